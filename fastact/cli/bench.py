"""``python -m fastact bench``: fastact against numpy (and PyTorch when installed) and against
the memory roof, medians over interleaved repeats, with the machine in the header.

Default: a quick run (every op, float32, sizes 1e3 and 1e6, BatchNorm/LayerNorm at (4096, 1024)),
under a minute. ``--full``: sizes 1e3..1e7, float32 and float64, the issue's BatchNorm shapes.
``--check``: the measurements the issues' targets need, then every target with its measured
ratio and PASS/FAIL/n/a; exit status 1 on any FAIL.
"""

import argparse
import sys

HELP = "benchmark fastact against numpy, PyTorch (if installed) and the memory roof"

QUICK_SIZES = (10**3, 10**6)
FULL_SIZES = (10**3, 10**5, 10**6, 10**7)
# (sizes, dtypes, normalization shapes, repeats, seconds per sample, warm-up calls) per mode
MODES = {
    "quick": (QUICK_SIZES, ("float32",), "quick", 5, 0.004, 1),
    "check": (FULL_SIZES, ("float32",), "full", 7, 0.01, 2),
    "full": (FULL_SIZES, ("float32", "float64"), "full", 9, 0.02, 2),
}


def _ints(text):
    try:
        values = [int(float(v)) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers, got {text!r}")
    return values


def _names(text):
    return [v.strip() for v in text.split(",") if v.strip()]


EPILOG = ("Default: a quick run (every op, float32, sizes 1e3 and 1e6, BatchNorm and LayerNorm "
          "at (4096, 1024)), under a minute on a quiet 2-core machine. Columns: medians with "
          "the interquartile range, numpy and PyTorch time over fastact's (speedups), and "
          "fastact's time over the roof (fastact's parallel copy, or a + b for an elementwise "
          "backward, or N streams = N/2 copies for normalization) at the same thread count.")


def add_arguments(parser):
    parser.epilog = EPILOG
    parser.add_argument("--ops", type=_names, default=None,
                        help="comma-separated op names (default: all; see --list)")
    parser.add_argument("--sizes", type=_ints, default=None,
                        help="comma-separated element counts, e.g. 1e3,1e6,1e7 (activations, "
                             "softmax cross-entropy, RunningStats, initializers)")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default=None)
    parser.add_argument("--threads", type=_ints, default=None,
                        help="thread counts, e.g. 1,2 (also reports the 1 -> 2 speedup)")
    parser.add_argument("--directions", type=_names, default=None,
                        help="keep cases whose direction contains one of these words, "
                             "e.g. forward or train")
    parser.add_argument("--repeats", type=int, default=None, help="samples per implementation")
    parser.add_argument("--full", action="store_true",
                        help="every size (1e3..1e7), both dtypes, the issue's BatchNorm shapes")
    parser.add_argument("--check", action="store_true",
                        help="check the issues' performance targets; exit 1 on any FAIL")
    parser.add_argument("--list", action="store_true", help="list the ops and exit")
    parser.add_argument("--json", metavar="FILE", help="write machine, rows (and targets)")
    parser.add_argument("--markdown", metavar="FILE",
                        help="write the table with the machine and the command (README)")
    parser.add_argument("--png", metavar="FILE", help="chart of the speedups (matplotlib)")


def plan(args, known_ops, default_threads):
    """The run's settings from the arguments: a dict, or raise ValueError on bad input."""
    mode = "full" if args.full else "check" if args.check else "quick"
    sizes, dtypes, norm_mode, repeats, min_time, warmup = MODES[mode]
    ops = args.ops or list(known_ops)
    unknown = [o for o in ops if o not in known_ops]
    if unknown:
        raise ValueError(f"unknown op(s) {', '.join(unknown)}; known: {', '.join(known_ops)}")
    if args.dtype:
        dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)
    if args.repeats is not None and args.repeats < 1:
        raise ValueError("--repeats must be >= 1")
    return {
        "mode": mode, "ops": ops, "sizes": tuple(args.sizes or sizes), "dtypes": dtypes,
        "norm_mode": norm_mode, "threads": tuple(args.threads or (default_threads,)),
        "directions": args.directions, "repeats": args.repeats or repeats,
        "min_time": min_time, "warmup": warmup,
    }


def missing_list(table_rows):
    """'op: reason' once per op that fastact lacks, and the peers dropped with their reason."""
    seen = {}
    for r in table_rows:
        if r["missing"]:
            seen.setdefault(r["op"], r["missing"])
        for note in r["notes"]:
            seen.setdefault(f"{r['op']} ({note.split(':')[0]})", note)
    return [f"{op}: {why}" for op, why in seen.items()]


def measure(settings, progress=None):
    """Build and time every case; returns the table rows."""
    import fastact
    from fastact.benchmarks import cases, report
    from fastact.benchmarks.timing import measure_group

    specs = cases.catalog(settings["ops"], settings["sizes"], settings["dtypes"],
                          settings["norm_mode"], settings["directions"])
    rows = []
    total = len(specs) * len(settings["threads"])
    for spec in specs:
        for nt in settings["threads"]:  # thread counts adjacent: the table compares them
            if progress:
                progress(len(rows) + 1, total, f"{spec.id} {nt}t")
            with fastact.num_threads(nt):
                case = spec.build(nt)
                timings = {} if case.missing else measure_group(
                    case.impls, repeats=settings["repeats"], min_time=settings["min_time"],
                    warmup=settings["warmup"])
            rows.append(report.row(case, nt, timings))
            del case
    return rows


def _progress(i, total, label):
    print(f"\r[{i}/{total}] {label}".ljust(78)[:78], end="", file=sys.stderr, flush=True)


def run(args):
    import fastact
    from fastact.benchmarks import cases, report, targets

    known = cases.all_ops()
    if args.list:
        for name in known:
            print(name)
        return 0
    try:
        settings = plan(args, known, fastact.get_num_threads())
    except ValueError as e:
        print(f"python -m fastact bench: {e}", file=sys.stderr)
        return 2
    if args.png:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("python -m fastact bench: --png needs matplotlib (pip install matplotlib)",
                  file=sys.stderr)
            return 2
    header = report.machine_header()
    print("fastact bench: " + report.header_line(header))
    print(report.LEGEND + "\n", flush=True)
    rows = measure(settings, _progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print("\r" + " " * 78 + "\r", end="", file=sys.stderr)
    print(report.text_table(rows))
    absent = missing_list(rows)
    if absent:
        print("\nnot available in this build (or peer dropped):")
        print("\n".join("  " + a for a in absent))
    scaling = None
    if 1 in settings["threads"] and 2 in settings["threads"]:
        scaling = report.thread_scaling(rows)
        print("\nthread scaling (fastact time at 1 thread / at 2 threads):")
        print("\n".join(f"  {k}: {'-' if v is None else f'{v:.2f}x'}" for k, v in scaling))
    verdicts = targets.check(rows) if args.check else None
    if verdicts is not None:
        print("\nperformance targets (issues 2, 3, 4):")
        print("\n".join(targets.format_check(verdicts)))
    if args.json:
        report.write_json(args.json, report.json_document(rows, header, verdicts, scaling))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report.markdown_table(rows, header, "python -m fastact " + " ".join(
                sys.argv[1:]) if sys.argv[1:2] == ["bench"] else None))
    if args.png:
        report.write_png(args.png, rows, header)
    return 1 if verdicts is not None and targets.failed(verdicts) else 0
