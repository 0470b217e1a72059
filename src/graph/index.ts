/** The reactive dataflow runtime: nodes, graphs, the trainer and optimizers. */
export {};
