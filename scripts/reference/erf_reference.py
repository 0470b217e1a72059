#!/usr/bin/env python3
"""High-precision reference values of erf, erfc and exact GELU from mpmath (50 digits).

Writes test/fixtures/erf-values.json, which the unit tests read: erf and erfc on a grid
and at irregular points from −30 to 30, and GELU x·Φ(x) with its derivative Φ(x) + x·φ(x)
into the far negative tail, where computing Φ as ½·(1 + erf(x/√2)) loses every digit.

    python3 scripts/reference/erf_reference.py
"""
import json
import pathlib

import mpmath

mpmath.mp.dps = 50


def points():
    grid = [i / 16 for i in range(-6 * 16, 27 * 16)]
    irregular = [0.1234567, 0.46875, 0.46875000000000006, 0.4687499999999999, 1e-10, -3e-5, 2.5e-300,
                 3.999999999, 4.0, 4.000000001, 7.77, 13.3, 26.5, -26.5, 25.0, 20.123]
    return grid + irregular


def main():
    erf_rows = [[x, float(mpmath.erf(x)), float(mpmath.erfc(x))] for x in points()]
    gelu_x = [-30, -20, -12.5, -8, -5, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.5, 1.5, 3, 5, 8, 20]
    gelu_rows = []
    for x in gelu_x:
        x = mpmath.mpf(x)
        cdf = mpmath.ncdf(x)
        pdf = mpmath.npdf(x)
        gelu_rows.append([float(x), float(x * cdf), float(cdf + x * pdf)])
    out = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "erf-values.json"
    document = {
        "source": f"mpmath {mpmath.__version__} at {mpmath.mp.dps} digits, scripts/reference/erf_reference.py",
        "erf": {"columns": ["x", "erf", "erfc"], "rows": erf_rows},
        "gelu": {"columns": ["x", "gelu", "derivative"], "rows": gelu_rows},
    }
    out.write_text(json.dumps(document) + "\n")
    print(f"wrote {len(erf_rows)} erf and {len(gelu_rows)} gelu values to {out}")


if __name__ == "__main__":
    main()
