/** The gradient verifier: finite differences, reports, fast-check properties. */
export {};
