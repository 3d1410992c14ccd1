"""The performance targets of issues 2, 3 and 4, checked against measured rows.

Each :class:`Target` selects the rows it speaks about and computes one ratio per row; the
verdict is PASS or FAIL, or 'n/a' when the ratio cannot be measured (fastact lacks the op,
PyTorch is not installed, or the run did not include such a row). Only FAIL fails the check.
"""

from dataclasses import dataclass

PIECEWISE = ("relu", "relu6", "leaky_relu", "hardtanh", "threshold", "step", "prelu", "rrelu")
SMOOTH = ("tanh", "sigmoid", "gelu", "gelu_tanh", "gelu_sigmoid", "elu", "selu", "celu", "silu",
          "swish", "mish", "softplus", "softsign", "hardswish", "hardsigmoid")
FIRST_KERNELS = ("relu", "sigmoid")
BN_SHAPES = {"2d": (4096, 1024), "nchw": (64, 64, 56, 56), "nhwc": (64, 56, 56, 64)}
LN_SHAPE = (4096, 1024)


@dataclass(frozen=True)
class Target:
    issue: int
    text: str
    select: object        # row -> bool
    ratio: object         # row -> (value or None, reason when None)
    bound: float
    at_most: bool = True  # ratio <= bound; otherwise ratio >= bound

    def verdict(self, value):
        return value <= self.bound if self.at_most else value >= self.bound


def _over_roof(streams=None):
    """fastact time over the roof: the copy/add itself, or `streams` half-copies."""
    def ratio(r):
        if r.get("fastact_s") is None:
            return None, r.get("missing") or "fastact not measured"
        if r.get("roof_s") is None:
            return None, "roof not measured"
        base = r["roof_s"] * (1.0 if streams is None else streams / 2)
        return r["fastact_s"] / base, None
    return ratio


def _speedup_over(peer):
    """peer time / fastact time (>= 1 means fastact is at least as fast)."""
    def ratio(r):
        if r.get("fastact_s") is None:
            return None, r.get("missing") or "fastact not measured"
        if r.get(f"{peer}_s") is None:
            return None, ("PyTorch not installed or no PyTorch peer computing the same thing"
                          if peer == "torch" else "no numpy baseline")
        return r[f"{peer}_s"] / r["fastact_s"], None
    return ratio


def _act(ops=None, sizes=None, direction=None, dtype="float32"):
    def select(r):
        return (r["family"] == "activation" and (ops is None or r["op"] in ops)
                and (sizes is None or r["n"] in sizes)
                and (direction is None or r["direction"] == direction)
                and (dtype is None or r["dtype"] == dtype))
    return select


def _bn(direction=None, layout=None):
    def select(r):
        return (r["op"] == "batch_norm" and r["dtype"] == "float32"
                and (direction is None or r["direction"] == direction)
                and tuple(r["shape"]) == BN_SHAPES.get(r["layout"])
                and (layout is None or r["layout"] == layout))
    return select


def _ln(r):
    return r["op"] == "layer_norm" and r["dtype"] == "float32" and tuple(r["shape"]) == LN_SHAPE


def _running_stats(r):
    return r["op"] == "running_stats" and r["dtype"] == "float32"


BIG = (10**6, 10**7)

TARGETS = (
    Target(2, "relu forward float32 n=1e7 within 1.2x of a parallel copy",
           _act(("relu",), (10**7,), "forward"), _over_roof(), 1.2),
    Target(2, "relu, sigmoid (forward and backward) faster than numpy at every size >= 1e3",
           lambda r: _act(FIRST_KERNELS, dtype=None)(r) and r["n"] >= 10**3,
           _speedup_over("numpy"), 1.0, at_most=False),
    Target(3, "piecewise-linear forward/backward float32 at n=1e6, 1e7 within 1.15x of the "
              "roof (copy / a+b)", _act(PIECEWISE, BIG), _over_roof(), 1.15),
    Target(3, "smooth forward/backward float32 at n=1e6, 1e7 within 1.5x of the roof "
              "(copy / a+b)", _act(SMOOTH, BIG), _over_roof(), 1.5),
    Target(3, "every activation float32 at n=1e3 no slower than numpy",
           _act(sizes=(10**3,)), _speedup_over("numpy"), 1.0, at_most=False),
    # like with like: a backward from x against ATen's from x, one from output= against ATen's
    # from the output (sigmoid, tanh, softmax: only the latter exists in ATen)
    Target(3, "every activation float32 at every size at least as fast as PyTorch (backward "
              "from x vs PyTorch's from x, from output= vs PyTorch's from the output)",
           _act(), _speedup_over("torch"), 1.0, at_most=False),
    Target(4, "BatchNorm training forward within 1.5x of 3 streams",
           _bn("train forward"), _over_roof(3), 1.5),
    Target(4, "BatchNorm training backward within 1.5x of 5 streams",
           _bn("train backward"), _over_roof(5), 1.5),
    Target(4, "BatchNorm eval forward within 1.2x of 2 streams",
           _bn("eval forward"), _over_roof(2), 1.2),
    Target(4, "every BatchNorm case no slower than PyTorch", _bn(), _speedup_over("torch"),
           1.0, at_most=False),
    Target(4, "LayerNorm (4096, 1024) forward and backward no slower than PyTorch", _ln,
           _speedup_over("torch"), 1.0, at_most=False),
    Target(4, "RunningStats.update at least half as fast as a copy of the batch (time <= 2x "
              "copy)", _running_stats, _over_roof(), 2.0),
)


def row_label(r):
    where = r["layout"] + " " + "x".join(map(str, r["shape"])) if r.get("layout") \
        else f"n={r['n']:.0e}".replace("+0", "")
    return f"{r['op']} {r['direction']} {r['dtype']} {where} {r['threads']}t"


def check(table_rows, targets=TARGETS):
    """[(target, row label or None, measured ratio or None, 'PASS'|'FAIL'|'n/a', note)]."""
    out = []
    for t in targets:
        chosen = [r for r in table_rows if t.select(r)]
        if not chosen:
            out.append((t, None, None, "n/a", "not measured in this run"))
            continue
        for r in chosen:
            value, reason = t.ratio(r)
            if value is None:
                out.append((t, row_label(r), None, "n/a", reason))
            else:
                out.append((t, row_label(r), value, "PASS" if t.verdict(value) else "FAIL", ""))
    return out


def format_check(verdicts):
    """Lines for the terminal: one per target and row, then the totals."""
    lines = []
    current = None
    for t, label, value, status, note in verdicts:
        if t is not current:
            sign = "<=" if t.at_most else ">="
            lines.append(f"issue {t.issue}: {t.text} (ratio {sign} {t.bound:g})")
            current = t
        measured = f"{value:.2f}x" if value is not None else note
        lines.append(f"  {status:4}  {label or '-'}: {measured}")
    counts = {s: sum(v[3] == s for v in verdicts) for s in ("PASS", "FAIL", "n/a")}
    lines.append(f"{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['n/a']} n/a")
    return lines


def failed(verdicts):
    return any(v[3] == "FAIL" for v in verdicts)
