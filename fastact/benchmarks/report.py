"""Tables of benchmark results: plain text for the terminal, Markdown for the README, JSON for
the record, and a PNG chart of the speedups (matplotlib, optional)."""

import json
import os
import platform
import time

import numpy as np

import fastact

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
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "cpus_available": cores,
        "cpu_capability": fastact.cpu_capability(),
        "fastact": fastact.__version__,
        "numpy": np.__version__,
        "torch": peers.torch_version(),
        "python": platform.python_version(),
    }


def _us(t):
    return "-" if t is None else (f"{t * 1e6:.3g}" if t * 1e6 < 100 else f"{t * 1e6:.0f}")


def _ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def rows(results):
    """Flatten results to dicts: one per (case, threads)."""
    out = []
    for r in results:
        t = {k: v.median for k, v in r["timings"].items()}
        spread = r["timings"]["fastact"].spread
        out.append({
            "op": r["op"], "direction": r["direction"], "dtype": r["dtype"], "n": r["n"],
            "threads": r["threads"], "roof_kind": r["roof"],
            "fastact_s": t.get("fastact"), "fastact_spread": spread,
            "numpy_s": t.get("numpy"), "torch_s": t.get("torch"), "roof_s": t.get("roof"),
            "speedup_vs_numpy": None if t.get("numpy") is None else t["numpy"] / t["fastact"],
            "torch_over_fastact": None if t.get("torch") is None else t["torch"] / t["fastact"],
            "fastact_over_roof": t["fastact"] / t["roof"],
        })
    return out


COLUMNS = ["op", "dir", "dtype", "n", "thr", "fastact µs", "±", "numpy µs", "np/fa",
           "torch µs", "torch/fa", "roof µs", "fa/roof"]


def _cells(row):
    return [row["op"], row["direction"][:3], row["dtype"], f"{row['n']:.0e}".replace("+0", ""),
            str(row["threads"]), _us(row["fastact_s"]), f"{100 * row['fastact_spread']:.0f}%",
            _us(row["numpy_s"]), _ratio(row["numpy_s"], row["fastact_s"]),
            _us(row["torch_s"]), _ratio(row["torch_s"], row["fastact_s"]),
            _us(row["roof_s"]), _ratio(row["fastact_s"], row["roof_s"])]


def text_table(table_rows):
    cells = [COLUMNS] + [_cells(r) for r in table_rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = []
    for k, c in enumerate(cells):
        lines.append("  ".join(v.rjust(w) if i > 1 else v.ljust(w)
                               for i, (v, w) in enumerate(zip(c, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(table_rows, header):
    out = ["Machine: " + ", ".join(f"{k} {v}" for k, v in header.items() if v is not None), "",
           "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_cells(r)) + " |" for r in table_rows]
    return "\n".join(out) + "\n"


def write_json(path, table_rows, header):
    with open(path, "w") as f:
        json.dump({"machine": header, "results": table_rows}, f, indent=1)


def write_png(path, table_rows):
    """Bar chart: speedup over numpy (and over PyTorch) per op/direction at each size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r['op']} {r['direction'][:3]} {r['n']:.0e} {r['threads']}t" for r in table_rows]
    np_speed = [r["speedup_vs_numpy"] or 0 for r in table_rows]
    torch_speed = [r["torch_over_fastact"] or 0 for r in table_rows]
    fig, ax = plt.subplots(figsize=(10, max(3, 0.25 * len(labels))))
    y = np.arange(len(labels))
    ax.barh(y - 0.2, np_speed, 0.4, label="numpy time / fastact time")
    if any(torch_speed):
        ax.barh(y + 0.2, torch_speed, 0.4, label="PyTorch time / fastact time")
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.legend()
    ax.set_title("fastact speedup (higher is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
