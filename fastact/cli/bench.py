"""``python -m fastact bench``: fastact against numpy (and PyTorch when installed) and against
the memory roof, medians over interleaved repeats, with the machine in the header."""

import sys

HELP = "benchmark fastact against numpy, PyTorch (if installed) and the memory roof"

QUICK_SIZES = (10**3, 10**6)
FULL_SIZES = (10**3, 10**5, 10**6, 10**7)


def _ints(text):
    return [int(float(v)) for v in text.split(",") if v]


def add_arguments(parser):
    parser.add_argument("--ops", type=lambda s: s.split(","), default=None,
                        help="comma-separated op names (default: every elementwise activation)")
    parser.add_argument("--sizes", type=_ints, default=None,
                        help="comma-separated element counts, e.g. 1e3,1e6,1e7")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default=None)
    parser.add_argument("--threads", type=_ints, default=None,
                        help="thread counts, e.g. 1,2 (reports the 1 -> 2 thread speedup)")
    parser.add_argument("--directions", type=lambda s: s.split(","), default=None,
                        help="forward,backward (default both)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--full", action="store_true",
                        help="every size (1e3..1e7) and both dtypes, more repeats")
    parser.add_argument("--check", action="store_true",
                        help="check the issues' performance targets; exit 1 on any FAIL")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--markdown", metavar="FILE")
    parser.add_argument("--png", metavar="FILE")


def _thread_scaling(table_rows):
    by_key = {}
    for r in table_rows:
        by_key.setdefault((r["op"], r["direction"], r["dtype"], r["n"]), {})[r["threads"]] = r
    lines = []
    for key, per in by_key.items():
        if 1 in per and 2 in per:
            speedup = per[1]["fastact_s"] / per[2]["fastact_s"]
            lines.append(f"  {key[0]} {key[1]} {key[2]} n={key[3]:.0e}: {speedup:.2f}x")
    return lines


def run(args):
    import fastact
    from fastact.benchmarks import cases, report, targets
    from fastact.benchmarks.timing import measure_group

    ops = args.ops or cases.elementwise_ops()
    unknown = [o for o in ops if o not in cases.elementwise_ops()]
    if unknown:
        print(f"unknown ops: {', '.join(unknown)}; known: {', '.join(cases.elementwise_ops())}",
              file=sys.stderr)
        return 2
    sizes = args.sizes or (FULL_SIZES if args.full or args.check else QUICK_SIZES)
    dtype = args.dtype or ("both" if args.full else "float32")
    dtypes = ["float32", "float64"] if dtype == "both" else [dtype]
    threads = args.threads or [fastact.get_num_threads()]
    directions = args.directions or list(cases.DIRECTIONS)
    repeats = args.repeats or (9 if args.full or args.check else 5)

    header = report.machine_header()
    print("fastact bench: " + ", ".join(f"{k} {v}" for k, v in header.items() if v))
    print("times are medians over interleaved repeats; ± = interquartile range / median; "
          "roof = parallel copy (forward) or a + b (backward), same threads\n")
    results = []
    for nt in threads:
        with fastact.num_threads(nt):
            for op in ops:
                for direction in directions:
                    for dt in dtypes:
                        for n in sizes:
                            case = cases.elementwise_case(op, direction, dt, n, nt)
                            timings = measure_group(case.impls, repeats=repeats)
                            results.append({"op": op, "direction": direction, "dtype": dt,
                                            "n": n, "threads": nt, "roof": case.roof,
                                            "timings": timings})
                            print(report.text_table(report.rows(results[-1:]))
                                  .splitlines()[-1] if len(results) > 1 else
                                  report.text_table(report.rows(results[-1:])), flush=True)
    table_rows = report.rows(results)
    if len(threads) > 1:
        print("\nthread scaling (time at 1 thread / time at 2 threads):")
        print("\n".join(_thread_scaling(table_rows)))
    if args.json:
        report.write_json(args.json, table_rows, header)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report.markdown_table(table_rows, header))
    if args.png:
        report.write_png(args.png, table_rows)
    if args.check:
        verdicts = targets.check(table_rows)
        print("\nperformance targets:")
        for target, measured, passed in verdicts:
            print(f"  {'PASS' if passed else 'FAIL'}  {target}: measured {measured}")
        failed = sum(not p for _, _, p in verdicts)
        print(f"{len(verdicts) - failed} passed, {failed} failed")
        return 1 if failed else 0
    return 0
