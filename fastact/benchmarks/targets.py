"""The performance targets stated in the issues, checked against measured rows."""

from fastact._registry import ELEMENTWISE

PIECEWISE_ROOF = 1.15
SMOOTH_ROOF = 1.5
RELU_COPY = 1.2


def check(table_rows):
    """[(target, measured, passed)] for every target the rows can decide."""
    out = []
    for r in table_rows:
        if r["dtype"] != "float32" or r["op"] not in ELEMENTWISE:
            continue
        name = f"{r['op']} {r['direction']} n={r['n']:.0e} {r['threads']}t"
        ratio = r["fastact_over_roof"]
        if r["n"] in (10**6, 10**7):
            bound = PIECEWISE_ROOF if ELEMENTWISE[r["op"]].piecewise_linear else SMOOTH_ROOF
            out.append((f"{name}: time <= {bound}x roof ({r['roof_kind']})", f"{ratio:.2f}x",
                        ratio <= bound))
        if r["op"] == "relu" and r["direction"] == "forward" and r["n"] == 10**7:
            out.append((f"{name}: relu <= {RELU_COPY}x parallel copy", f"{ratio:.2f}x",
                        ratio <= RELU_COPY))
        if r["speedup_vs_numpy"] is not None and r["n"] >= 10**3:
            out.append((f"{name}: faster than numpy", f"{r['speedup_vs_numpy']:.2f}x",
                        r["speedup_vs_numpy"] >= 1.0))
        if r["torch_over_fastact"] is not None:
            out.append((f"{name}: at least as fast as PyTorch",
                        f"{r['torch_over_fastact']:.2f}x", r["torch_over_fastact"] >= 1.0))
    return out
