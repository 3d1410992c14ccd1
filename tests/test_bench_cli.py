"""The logic of ``python -m fastact bench`` without real timing: argument parsing and the run
plan, the benchmark catalog (ops picked up from the registry, absent ones marked missing),
table/Markdown/JSON formatting of fake rows, and the issues' targets on synthetic rows."""

import argparse
import json

import numpy as np
import pytest

import fastact
from fastact import registry
from fastact.benchmarks import cases, peers, report, targets
from fastact.cli import bench


def parse(*argv):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(list(argv))


def fake_row(op="relu", direction="forward", n=10**7, dtype="float32", threads=2,
             fastact_s=1.0, numpy_s=None, torch_s=None, roof_s=1.0, roof_factor=1.0,
             family="activation", layout="", shape=None, missing=None, roof_label="copy"):
    def div(a, b):
        return None if a is None or b is None else a / b
    return {"op": op, "family": family, "direction": direction, "dtype": dtype, "n": n,
            "shape": list(shape or (n,)), "layout": layout, "threads": threads,
            "roof_label": roof_label, "roof_factor": roof_factor, "fastact_s": fastact_s,
            "fastact_spread": None if fastact_s is None else 0.05, "numpy_s": numpy_s,
            "torch_s": torch_s, "roof_s": roof_s, "speedup_vs_numpy": div(numpy_s, fastact_s),
            "torch_over_fastact": div(torch_s, fastact_s),
            "fastact_over_roof": div(fastact_s, None if roof_s is None else roof_s * roof_factor),
            "missing": missing, "notes": []}


# ---------------------------------------------------------------- arguments and plan
def test_parse_lists_and_numbers():
    args = parse("--ops", "relu,sigmoid", "--sizes", "1e3,1e6", "--threads", "1,2",
                 "--dtype", "both", "--json", "r.json", "--check")
    assert args.ops == ["relu", "sigmoid"]
    assert args.sizes == [1000, 10**6]
    assert args.threads == [1, 2]
    assert args.dtype == "both" and args.json == "r.json" and args.check


@pytest.mark.parametrize("argv", [("--sizes", "abc"), ("--sizes", "0"), ("--threads", "1,x"),
                                  ("--dtype", "float16")])
def test_parse_rejects_bad_values(argv, capsys):
    with pytest.raises(SystemExit):
        parse(*argv)
    assert argv[0] in capsys.readouterr().err


def test_plan_modes():
    known = ["relu", "sigmoid", "batch_norm"]
    quick = bench.plan(parse(), known, 2)
    assert quick["mode"] == "quick" and quick["sizes"] == bench.QUICK_SIZES
    assert quick["dtypes"] == ("float32",) and quick["norm_mode"] == "quick"
    assert quick["ops"] == known and quick["threads"] == (2,)
    full = bench.plan(parse("--full"), known, 2)
    assert full["sizes"] == bench.FULL_SIZES and full["dtypes"] == ("float32", "float64")
    assert full["norm_mode"] == "full" and full["repeats"] > quick["repeats"]
    check = bench.plan(parse("--check"), known, 2)
    assert check["sizes"] == bench.FULL_SIZES and check["norm_mode"] == "full"
    assert check["dtypes"] == ("float32",)
    custom = bench.plan(parse("--sizes", "1e4", "--dtype", "float64", "--threads", "1,2",
                              "--repeats", "3", "--ops", "relu"), known, 2)
    assert custom["sizes"] == (10**4,) and custom["dtypes"] == ("float64",)
    assert custom["threads"] == (1, 2) and custom["repeats"] == 3 and custom["ops"] == ["relu"]


def test_plan_rejects_unknown_ops_naming_them():
    with pytest.raises(ValueError, match="nosuchop.*known: relu"):
        bench.plan(parse("--ops", "relu,nosuchop"), ["relu"], 2)
    with pytest.raises(ValueError, match="--repeats"):
        bench.plan(parse("--repeats", "0"), ["relu"], 2)


def test_run_unknown_op_exits_2(capsys):
    assert bench.run(parse("--ops", "nosuchop")) == 2
    assert "nosuchop" in capsys.readouterr().err


def test_list_prints_every_op(capsys):
    assert bench.run(parse("--list")) == 0
    listed = capsys.readouterr().out.split()
    assert listed == cases.all_ops()


# ---------------------------------------------------------------- catalog
def test_catalog_covers_the_issues_ops():
    names = cases.all_ops()
    for op in cases.ISSUE_ACTIVATIONS:
        assert op in names
    for op in ("gelu_tanh", "gelu_sigmoid", "batch_norm", "layer_norm", "group_norm",
               "running_stats", "softmax_cross_entropy", "init.xavier_uniform"):
        assert op in names
    for op in fastact.activations():
        assert op in names


def test_catalog_shapes_and_directions():
    specs = cases.catalog(["batch_norm"], mode="full")
    assert {(s.layout, s.shape) for s in specs} == {
        ("2d", (4096, 1024)), ("nchw", (64, 64, 56, 56)), ("nhwc", (64, 56, 56, 64))}
    assert {s.direction for s in specs} == set(cases.BN_DIRECTIONS)
    acts = cases.catalog(["relu", "softmax"], sizes=(10**3, 10**6), dtypes=("float32",
                                                                          "float64"))
    # relu and softmax take output=: forward, backward and backward (output)
    assert len(acts) == 2 * 2 * 2 * 3
    assert {s.direction for s in acts} == {"forward", "backward", "backward (output)"}
    gelu = cases.catalog(["gelu"], sizes=(10**3,))
    assert {s.direction for s in gelu} == {"forward", "backward"}
    assert {s.shape for s in acts if s.op == "softmax"} == {(1, 1000), (1000, 1000)}
    fwd = cases.catalog(["relu", "batch_norm"], directions=["forward"])
    assert fwd and all("forward" in s.direction for s in fwd)


def test_present_op_builds_every_implementation():
    spec = cases.Spec("activation", "relu", "forward", "float32", (1000,))
    case = spec.build(1)
    assert case.missing is None and {"fastact", "numpy", "roof"} <= set(case.impls)
    out = case.impls["fastact"]()
    assert np.array_equal(out, np.maximum(case.impls["numpy"](), 0))


def test_backward_from_output_is_timed_from_the_output():
    spec = cases.Spec("activation", "tanh", "backward (output)", "float32", (1000,))
    assert spec.id == "tanh-backward_output-float32-n1e3"
    case = spec.build(1)
    assert case.missing is None and {"fastact", "numpy", "roof"} <= set(case.impls)
    assert case.roof_label == "a+b"
    np.testing.assert_allclose(case.impls["fastact"](), case.impls["numpy"](), rtol=1e-5,
                               atol=1e-6)


def test_torch_peers_compute_from_the_same_operand(monkeypatch):
    """A backward from x is compared with ATen's from x, one from output= with ATen's from the
    output; where ATen has only one of them the other row has no PyTorch peer."""
    monkeypatch.setattr(peers, "available", lambda: True)
    out = peers.BACKWARD_OUTPUT
    for name in ("sigmoid", "tanh", "softmax", "log_softmax"):  # ATen: from the output only
        assert not peers.has_activation(name, "backward")
        assert peers.has_activation(name, out)
    for name in ("relu", "elu", "selu", "leaky_relu", "hardtanh", "relu6"):  # both
        assert peers.has_activation(name, "backward") and peers.has_activation(name, out)
    for name in ("gelu", "silu", "prelu"):  # from x only
        assert peers.has_activation(name, "backward") and not peers.has_activation(name, out)


def test_absent_ops_are_marked_missing(monkeypatch):
    monkeypatch.setattr(cases, "ISSUE_ACTIVATIONS", cases.ISSUE_ACTIVATIONS + ("nosuch",))
    assert "nosuch" in cases.activation_names()
    case = cases.Spec("activation", "nosuch", "forward", "float32", (100,)).build(1)
    assert case.missing == "fastact.nosuch not in this build"
    assert "fastact" not in case.impls and "roof" in case.impls
    init = cases.Spec("init", "init.nosuch", "create", "float32", (10, 100)).build(1)
    assert init.missing == "fastact.init.nosuch not in this build"


def _fake_gelu(x, approximate="none", *, out=None):
    calls.append(approximate)
    return np.multiply(x, 0.5, out=out)


def _fake_swish_backward(grad_output, x=None, beta=1.0, *, output=None, out=None):
    return np.multiply(grad_output, x, out=out), float(beta)


def _fake_maxout(x, pieces, axis=-1, *, out=None):
    res = x.reshape(*x.shape[:-1], -1, pieces).max(axis=-1)
    if out is not None:
        out[...] = res
        return out
    return res


def _fake_maxout_backward(grad_output, x=None, pieces=2, axis=-1, *, output=None, out=None):
    res = np.repeat(grad_output, pieces, axis=-1) / pieces
    if out is not None:
        out[...] = res
        return out
    return res


calls = []


def test_newly_registered_activations_are_benchmarked(monkeypatch):
    """What the other tracks add (gelu's modes, a tuple-returning backward, an op whose output
    has another shape) is picked up from the registry and called correctly."""
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))
    for name in ("gelu", "swish", "maxout"):
        registry._ENTRIES.pop(name, None)
    registry.register("gelu", _fake_gelu, None, lambda g, x=None, approximate="none", *,
                      output=None, out=None: np.multiply(g, x, out=out))
    registry.register("swish", lambda x, beta=1.0, *, out=None: np.multiply(x, beta, out=out),
                      None, _fake_swish_backward)
    registry.register("maxout", _fake_maxout, None, _fake_maxout_backward)
    calls.clear()
    case = cases.Spec("activation", "gelu_tanh", "forward", "float32", (1000,)).build(1)
    assert case.missing is None
    case.impls["fastact"]()
    assert set(calls) == {"tanh"}
    swish = cases.Spec("activation", "swish", "backward", "float64", (1000,)).build(1)
    assert swish.missing is None
    grad_input, grad_beta = swish.impls["fastact"]()
    assert grad_input.shape == (1000,) and grad_beta == 1.0
    spec = cases.catalog(["maxout"], sizes=(2000,))[1]
    assert spec.direction == "backward" and spec.shape == (2, 1000)
    maxout = spec.build(1)
    assert maxout.missing is None and maxout.impls["fastact"]().shape == (2, 1000)
    assert maxout.impls["numpy"]().shape == (2, 1000)


# ---------------------------------------------------------------- formatting
ROWS = [
    fake_row("relu", "forward", 10**6, threads=1, fastact_s=2e-4, numpy_s=1e-3, torch_s=4e-4,
             roof_s=1e-4),
    fake_row("relu", "forward", 10**6, threads=2, fastact_s=1e-4, numpy_s=1e-3, torch_s=None,
             roof_s=1e-4),
    fake_row("tanh", "backward", 10**3, fastact_s=None, roof_s=None, roof_label="a+b",
             missing="fastact.tanh not in this build"),
    fake_row("batch_norm", "train forward", 4096 * 1024, family="batch_norm", layout="2d",
             shape=(4096, 1024), fastact_s=3e-3, roof_s=1e-3, roof_factor=1.5,
             roof_label="3 streams"),
]


def test_text_table():
    text = report.text_table(ROWS)
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["op", "direction", "dtype", "size", "thr"]
    relu1 = lines[2].split()
    assert relu1[:5] == ["relu", "forward", "float32", "1e6", "1"]
    assert relu1[5] == "200" and relu1[7] == "1000" and relu1[8] == "5.00"
    assert relu1[9] == "400" and relu1[10] == "2.00" and relu1[-1] == "2.00"
    assert lines[3].split()[9:11] == ["-", "-"]          # no torch measurement
    assert lines[4] == ""                               # blank line between ops
    assert "not available" in lines[5]
    bn = lines[7].split()
    assert bn[:4] == ["batch_norm", "train", "forward", "float32"]
    assert bn[-4:] == ["3", "streams", "1500", "2.00"]  # roof = 1.5 copies


def test_markdown_table():
    header = {"date": "2026-01-01 00:00 UTC", "cpu": "Test CPU", "torch": None}
    md = report.markdown_table(ROWS, header, "python -m fastact bench --full")
    lines = md.splitlines()
    assert lines[0] == "Machine: date 2026-01-01 00:00 UTC, cpu Test CPU"
    assert "`python -m fastact bench --full`" in md
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(ROWS)
    assert all(line.count("|") == len(report.COLUMNS) + 1 for line in table)
    assert "| relu | forward | float32 | 1e6 | 1 | 200 |" in md


def test_json_document(tmp_path):
    verdicts = targets.check(ROWS)
    scaling = report.thread_scaling(ROWS)
    path = tmp_path / "r.json"
    report.write_json(path, report.json_document(ROWS, {"cpu": "x"}, verdicts, scaling))
    doc = json.loads(path.read_text())
    assert doc["machine"] == {"cpu": "x"}
    assert doc["results"][0]["fastact_s"] == 2e-4 and doc["results"][2]["fastact_s"] is None
    assert doc["thread_scaling"] == [{"case": "relu forward float32 1e6", "speedup": 2.0}]
    assert {t["status"] for t in doc["targets"]} <= {"PASS", "FAIL", "n/a"}


def test_thread_scaling_needs_both_counts():
    assert report.thread_scaling(ROWS) == [("relu forward float32 1e6", 2.0)]
    assert report.thread_scaling(ROWS[:1]) == []


def test_missing_list():
    assert bench.missing_list(ROWS) == ["tanh: fastact.tanh not in this build"]


def test_row_from_case_and_timings():
    from fastact.benchmarks.timing import Timing

    case = cases.Case("relu", "forward", "float32", (100,), family="activation")
    timings = {name: Timing(t, t * 0.9, t * 1.1, t * 0.8, 5, 10)
               for name, t in {"fastact": 2.0, "numpy": 6.0, "roof": 1.0}.items()}
    r = report.row(case, 2, timings)
    assert r["speedup_vs_numpy"] == 3.0 and r["fastact_over_roof"] == 2.0
    assert r["torch_s"] is None and r["torch_over_fastact"] is None
    assert r["fastact_spread"] == pytest.approx(0.2)
    empty = report.row(cases.Case("x", "forward", "float32", (1,), missing="gone"), 1, {})
    assert empty["fastact_s"] is None and empty["missing"] == "gone"


# ---------------------------------------------------------------- targets
def verdict_of(rows, text_start):
    return [(label, value, status) for t, label, value, status, _ in targets.check(rows)
            if t.text.startswith(text_start)]


def test_relu_copy_target():
    ok = fake_row("relu", "forward", 10**7, fastact_s=1.1, roof_s=1.0)
    bad = fake_row("relu", "forward", 10**7, fastact_s=1.3, roof_s=1.0, threads=1)
    result = verdict_of([ok, bad], "relu forward float32 n=1e7")
    assert [r[2] for r in result] == ["PASS", "FAIL"]
    assert result[0][1] == pytest.approx(1.1)


def test_piecewise_and_smooth_roof_targets():
    rows = [fake_row("relu6", "backward", 10**6, fastact_s=1.1, roof_s=1.0),
            fake_row("relu6", "forward", 10**6, fastact_s=1.2, roof_s=1.0),
            fake_row("gelu_tanh", "forward", 10**7, fastact_s=1.4, roof_s=1.0),
            fake_row("mish", "backward", 10**7, fastact_s=1.6, roof_s=1.0),
            fake_row("relu6", "forward", 10**5, fastact_s=9.0, roof_s=1.0),   # not a target size
            fake_row("relu6", "forward", 10**6, dtype="float64", fastact_s=9.0, roof_s=1.0)]
    piecewise = verdict_of(rows, "piecewise")
    assert [r[2] for r in piecewise] == ["PASS", "FAIL"]
    smooth = verdict_of(rows, "smooth")
    assert [r[2] for r in smooth] == ["PASS", "FAIL"]


def test_numpy_and_torch_targets():
    rows = [fake_row("tanh", "forward", 10**3, fastact_s=1.0, numpy_s=2.0, torch_s=0.5),
            fake_row("tanh", "backward", 10**3, fastact_s=1.0, numpy_s=0.5, torch_s=None)]
    numpy_target = verdict_of(rows, "every activation float32 at n=1e3")
    assert [r[2] for r in numpy_target] == ["PASS", "FAIL"]
    torch_target = verdict_of(rows, "every activation float32 at every size")
    assert [r[2] for r in torch_target] == ["FAIL", "n/a"]


def test_first_kernels_faster_than_numpy_every_dtype():
    rows = [fake_row("sigmoid", "backward", 10**5, dtype="float64", fastact_s=1.0,
                     numpy_s=0.9),
            fake_row("relu", "forward", 100, fastact_s=1.0, numpy_s=0.1)]  # below 1e3: not checked
    result = verdict_of(rows, "relu, sigmoid")
    assert [r[2] for r in result] == ["FAIL"] and "float64" in result[0][0]


def test_batch_norm_stream_targets():
    def bn(direction, layout, shape, fastact_s, torch_s=None):
        return fake_row("batch_norm", direction, int(np.prod(shape)), family="batch_norm",
                        layout=layout, shape=shape, fastact_s=fastact_s, roof_s=1.0,
                        torch_s=torch_s)
    rows = [bn("train forward", "nchw", (64, 64, 56, 56), 2.2, torch_s=3.0),   # 2.2/1.5 = 1.47
            bn("train forward", "nhwc", (64, 56, 56, 64), 2.3),               # 1.53: FAIL
            bn("train backward", "2d", (4096, 1024), 3.7, torch_s=3.0),       # 1.48; < torch
            bn("eval forward", "2d", (4096, 1024), 1.3),                      # 1.3 / 1.0 > 1.2
            bn("eval forward", "2d", (256, 64), 0.1)]                         # small: not a target
    fwd = verdict_of(rows, "BatchNorm training forward")
    assert [(r[2], round(r[1], 2)) for r in fwd] == [("PASS", 1.47), ("FAIL", 1.53)]
    assert [r[2] for r in verdict_of(rows, "BatchNorm training backward")] == ["PASS"]
    assert [r[2] for r in verdict_of(rows, "BatchNorm eval forward")] == ["FAIL"]
    torch_target = verdict_of(rows, "every BatchNorm case")
    assert [r[2] for r in torch_target] == ["PASS", "n/a", "FAIL", "n/a"]


def test_layer_norm_and_running_stats_targets():
    rows = [fake_row("layer_norm", "forward", 4096 * 1024, family="layer_norm", layout="2d",
                     shape=(4096, 1024), fastact_s=1.0, torch_s=1.2),
            fake_row("running_stats", "update", 10**6, family="running_stats",
                     shape=(10**4, 100), fastact_s=2.5, roof_s=1.0, roof_factor=0.5)]
    assert [r[2] for r in verdict_of(rows, "LayerNorm")] == ["PASS"]
    rs = verdict_of(rows, "RunningStats")
    assert rs[0][2] == "FAIL" and rs[0][1] == pytest.approx(2.5)  # against the copy itself


def test_missing_op_and_unmeasured_targets_are_na_not_pass():
    rows = [fake_row("tanh", "forward", 10**6, fastact_s=None, roof_s=None,
                     missing="fastact.tanh not in this build")]
    verdicts = targets.check(rows)
    smooth = [v for v in verdicts if v[0].text.startswith("smooth")]
    assert [(v[3], v[4]) for v in smooth] == [("n/a", "fastact.tanh not in this build")]
    assert all(v[3] == "n/a" for v in verdicts)       # nothing measured: nothing passes
    assert not targets.failed(verdicts)
    assert len({v[0] for v in verdicts}) == len(targets.TARGETS)   # every target listed
    lines = targets.format_check(verdicts)
    assert lines[-1] == f"0 PASS, 0 FAIL, {len(verdicts)} n/a"


def test_check_exit_status(monkeypatch, capsys):
    passing = [fake_row("relu", "forward", 10**7, fastact_s=1.0, roof_s=1.0)]
    failing = [fake_row("relu", "forward", 10**7, fastact_s=2.0, roof_s=1.0)]
    monkeypatch.setattr(bench, "measure", lambda settings, progress=None: passing)
    assert bench.run(parse("--check")) == 0
    out = capsys.readouterr().out
    assert "PASS  relu forward float32 n=1e7 2t: 1.00x" in out
    monkeypatch.setattr(bench, "measure", lambda settings, progress=None: failing)
    assert bench.run(parse("--check")) == 1
    assert "FAIL  relu forward float32 n=1e7 2t: 2.00x" in capsys.readouterr().out


def test_tiny_real_run(tmp_path, capsys):
    """End to end, tiny and untimed in spirit: one op, one small size, one repeat."""
    status = bench.run(parse("--ops", "relu", "--sizes", "1000", "--repeats", "1",
                             "--threads", "1,2", "--json", str(tmp_path / "r.json"),
                             "--markdown", str(tmp_path / "r.md")))
    assert status == 0
    out = capsys.readouterr().out
    assert "cpu_capability" in out and "thread scaling" in out
    doc = json.loads((tmp_path / "r.json").read_text())
    # forward, backward, backward (output)
    assert [r["threads"] for r in doc["results"]] == [1, 2, 1, 2, 1, 2]
    assert all(r["fastact_s"] > 0 for r in doc["results"])
    assert (tmp_path / "r.md").read_text().startswith("Machine: ")
