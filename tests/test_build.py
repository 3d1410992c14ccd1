"""The installed build: where it is imported from, OpenMP, CPU dispatch, config and CLI."""

import os
import subprocess
import sys
import tempfile

import pytest

import fastact
from fastact._ext import _kernels

# Subprocesses run from here, so the source tree (if the cwd is the repo) cannot shadow the
# installed package.
OUTSIDE = tempfile.gettempdir()


def run_python(code, **env):
    full_env = dict(os.environ)
    for key, value in env.items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, cwd=OUTSIDE)


def test_imported_from_installed_package_not_source_tree():
    pkg_dir = os.path.dirname(os.path.abspath(fastact.__file__))
    assert any(part in pkg_dir for part in ("site-packages", "dist-packages")), (
        f"fastact imported from {pkg_dir}: tests must run against the installed package")
    assert _kernels.__file__.startswith(pkg_dir)


def test_default_build_has_openmp():
    if os.environ.get("FASTACT_EXPECT_NO_OPENMP") == "1":
        assert not _kernels.have_openmp()
        assert fastact.get_num_threads() == 1
    else:
        assert _kernels.have_openmp(), "this build lacks OpenMP; gcc here supports it"


def test_show_config_prints_and_returns(capsys):
    cfg = fastact.show_config()
    printed = capsys.readouterr().out
    for key in ("version", "compiler", "openmp", "num_threads", "cpu_capability",
                "cpu_capabilities_available"):
        assert key in cfg and key in printed
    assert cfg["version"] == fastact.__version__
    assert cfg["cpu_capability"] == fastact.cpu_capability()
    assert cfg["num_threads"] == fastact.get_num_threads()


def test_cpu_capability_is_best_available_by_default():
    levels = fastact.cpu_capabilities()
    assert levels[0] == "baseline"
    env_forced = os.environ.get("FASTACT_CPU_CAPABILITY")
    expected = env_forced if env_forced else levels[-1]
    result = run_python("import fastact; print(fastact.cpu_capability())",
                        FASTACT_CPU_CAPABILITY=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == levels[-1]
    assert fastact.cpu_capability() == expected


@pytest.mark.parametrize("level", ["baseline", "avx2", "avx512"])
def test_forced_cpu_capability(level):
    result = run_python("import fastact; print(fastact.cpu_capability())",
                        FASTACT_CPU_CAPABILITY=level)
    if level in fastact.cpu_capabilities():
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == level
    else:
        assert result.returncode != 0
        assert "RuntimeError" in result.stderr and level in result.stderr
        assert "not supported" in result.stderr or "not compiled" in result.stderr


def test_unknown_cpu_capability_is_refused():
    result = run_python("import fastact", FASTACT_CPU_CAPABILITY="sse9")
    assert result.returncode != 0
    assert "FASTACT_CPU_CAPABILITY" in result.stderr and "baseline" in result.stderr


def test_isa_select_rejects_unknown_and_unsupported():
    with pytest.raises(ValueError, match="unknown CPU capability"):
        _kernels.isa_select("sse9")
    for level in ("avx2", "avx512"):
        if level not in fastact.cpu_capabilities():
            with pytest.raises(RuntimeError, match=level):
                _kernels.isa_select(level)


def test_cli_info_and_help():
    info = subprocess.run([sys.executable, "-m", "fastact", "info"], capture_output=True,
                          text=True, cwd=OUTSIDE)
    assert info.returncode == 0, info.stderr
    assert "cpu_capability" in info.stdout and fastact.__version__ in info.stdout
    helped = subprocess.run([sys.executable, "-m", "fastact", "--help"], capture_output=True,
                            text=True, cwd=OUTSIDE)
    assert helped.returncode == 0 and "info" in helped.stdout
    bad = subprocess.run([sys.executable, "-m", "fastact", "nonsense"], capture_output=True,
                         text=True, cwd=OUTSIDE)
    assert bad.returncode != 0
