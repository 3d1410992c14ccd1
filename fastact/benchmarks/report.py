"""Tables of benchmark results: plain text for the terminal (one block per op), Markdown for
the README, JSON for the record, and a PNG chart of the speedups (matplotlib, optional)."""

import json
import os
import platform
import time

import numpy as np

from fastact._config import config

from . import peers


def machine_header():
    """The machine and software the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    cfg = config()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "cpus_available": cores,
        "cpu_capability": cfg["cpu_capability"],
        "openmp": cfg["openmp"],
        "compiler": cfg["compiler"],
        "fastact": cfg["version"],
        "numpy": np.__version__,
        "torch": peers.torch_version(),
        "python": platform.python_version(),
    }


def header_line(header):
    return ", ".join(f"{k} {v}" for k, v in header.items() if v is not None)


def row(case, threads, timings):
    """One flat dict per measured (case, thread count); times in seconds, None if absent."""
    t = {k: v.median for k, v in timings.items()}
    fa, roof = t.get("fastact"), t.get("roof")
    return {
        "op": case.op, "family": case.family, "direction": case.direction,
        "dtype": case.dtype, "n": case.n, "shape": list(case.shape), "layout": case.layout,
        "threads": threads, "roof_label": case.roof_label, "roof_factor": case.roof_factor,
        "fastact_s": fa,
        "fastact_spread": timings["fastact"].spread if "fastact" in timings else None,
        "numpy_s": t.get("numpy"), "torch_s": t.get("torch"), "roof_s": roof,
        "speedup_vs_numpy": _div(t.get("numpy"), fa),
        "torch_over_fastact": _div(t.get("torch"), fa),
        "fastact_over_roof": _div(fa, None if roof is None else roof * case.roof_factor),
        "missing": case.missing, "notes": list(case.notes),
    }


def _div(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _us(t):
    if t is None:
        return "-"
    us = t * 1e6
    return f"{us:.3g}" if us < 100 else f"{us:.0f}"


def _x(v):
    return "-" if v is None else f"{v:.2f}"


def _size(r):
    if r["layout"]:
        return f"{r['layout']} {'x'.join(map(str, r['shape']))}"
    return f"{r['n']:.0e}".replace("+0", "")


COLUMNS = ["op", "direction", "dtype", "size", "thr", "fastact µs", "±IQR", "numpy µs",
           "np/fa", "torch µs", "torch/fa", "roof", "roof µs", "fa/roof"]


def cells(r):
    """The table cells of one row (strings, in COLUMNS order)."""
    if r["fastact_s"] is None:
        fa, spread = "not available", ""
    else:
        fa, spread = _us(r["fastact_s"]), f"{100 * (r['fastact_spread'] or 0):.0f}%"
    roof_us = None if r["roof_s"] is None else r["roof_s"] * r["roof_factor"]
    return [r["op"], r["direction"], r["dtype"], _size(r), str(r["threads"]), fa, spread,
            _us(r["numpy_s"]), _x(r["speedup_vs_numpy"]), _us(r["torch_s"]),
            _x(r["torch_over_fastact"]), r["roof_label"], _us(roof_us),
            _x(r["fastact_over_roof"])]


def text_table(table_rows):
    """Aligned columns, a blank line between ops."""
    body = [cells(r) for r in table_rows]
    widths = [max(len(c[i]) for c in [COLUMNS] + body) for i in range(len(COLUMNS))]

    def line(c):
        return "  ".join(v.rjust(w) if i > 4 and i != 11 else v.ljust(w)
                         for i, (v, w) in enumerate(zip(c, widths))).rstrip()
    lines = [line(COLUMNS), line(["-" * w for w in widths])]
    previous = None
    for r, c in zip(table_rows, body):
        if previous is not None and r["op"] != previous:
            lines.append("")
        previous = r["op"]
        lines.append(line(c))
    return "\n".join(lines)


LEGEND = ("times are medians over interleaved repeats after warm-up; ±IQR = interquartile "
          "range / median of fastact's samples; np/fa and torch/fa = speedup of fastact; roof "
          "= fastact's parallel copy (forward) or a + b (elementwise backward) of the same size "
          "with the same threads, or N streams = N/2 copies (normalization), or np.copyto(dst, "
          "batch) (running_stats: a user's copy of the batch, numpy call included); fa/roof = "
          "fastact time / roof time")


def markdown_table(table_rows, header, command=None):
    out = [f"Machine: {header_line(header)}", ""]
    if command:
        out += [f"Command: `{command}`", ""]
    out += [LEGEND, "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(cells(r)) + " |" for r in table_rows]
    return "\n".join(out) + "\n"


def thread_scaling(table_rows, low=1, high=2):
    """[(label, time at `low` threads / time at `high` threads)] per case measured at both."""
    by_key = {}
    for r in table_rows:
        key = (r["op"], r["direction"], r["dtype"], _size(r))
        by_key.setdefault(key, {})[r["threads"]] = r
    out = []
    for key, per in by_key.items():
        if low in per and high in per:
            out.append((" ".join(key), _div(per[low]["fastact_s"], per[high]["fastact_s"])))
    return out


def json_document(table_rows, header, verdicts=None, scaling=None):
    doc = {"machine": header, "results": table_rows}
    if scaling is not None:
        doc["thread_scaling"] = [{"case": k, "speedup": v} for k, v in scaling]
    if verdicts is not None:
        doc["targets"] = [{"issue": t.issue, "target": t.text, "bound": t.bound,
                           "at_most": t.at_most, "case": label, "ratio": value,
                           "status": status, "note": note}
                          for t, label, value, status, note in verdicts]
    return doc


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


def write_png(path, table_rows, header):
    """Horizontal bars: numpy time / fastact time and PyTorch time / fastact time per case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in table_rows if r["fastact_s"] is not None]
    labels = [f"{r['op']} {r['direction']} {r['dtype']} {_size(r)} {r['threads']}t"
              for r in shown]
    np_speed = [r["speedup_vs_numpy"] or 0 for r in shown]
    torch_speed = [r["torch_over_fastact"] or 0 for r in shown]
    fig, ax = plt.subplots(figsize=(10, max(3, 0.22 * len(labels) + 1)))
    y = np.arange(len(labels))
    ax.barh(y - 0.2, np_speed, 0.4, label="numpy time / fastact time")
    if any(torch_speed):
        ax.barh(y + 0.2, torch_speed, 0.4, label="PyTorch time / fastact time")
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=6)
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    ax.set_title(f"fastact speedup (higher is better)\n{header.get('cpu')}, "
                 f"{header.get('cpu_capability')}, {header.get('date')}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
