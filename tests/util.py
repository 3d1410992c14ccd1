"""Shared test machinery: the generator of hostile arrays and ULP measurement."""

import numpy as np

DTYPES = (np.float32, np.float64)


def special_values(dtype):
    """Edge values for dtype: zeros, infinities, NaN, extremes, subnormals, near-thresholds."""
    fi = np.finfo(dtype)
    vals = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, fi.max, -fi.max, fi.tiny, -fi.tiny,
            fi.smallest_subnormal, -fi.smallest_subnormal, fi.tiny / 4, -fi.tiny / 4, fi.eps,
            -fi.eps, 1e-30, -1e-30, 0.5, -0.5, 3.0, -3.0, 6.0, -6.0, 20.0, -20.0, 88.0, -88.0,
            89.0, -89.0, 100.0, -100.0, 700.0, -700.0, 710.0, -710.0, 1e10, -1e10, 1e30, -1e30]
    with np.errstate(over="ignore"):
        return np.array(vals, dtype=np.float64).astype(dtype)


def hostile_arrays(dtype, seed=0):
    """Yield (label, array) pairs covering shapes, layouts and values a kernel must survive:
    0-d, 0-size, one element, odd sizes around vector widths, 2-D/3-D, strided, negative
    strides, transposed, Fortran order, broadcast views, byte-swapped, and arrays laced with
    NaN, +-inf, huge, tiny and subnormal values."""
    rng = np.random.default_rng(seed)

    def rand(*shape):
        return (rng.standard_normal(shape) * 3).astype(dtype)

    yield "0-d", np.array(rng.standard_normal(), dtype=dtype)
    yield "0-size", np.empty((0,), dtype=dtype)
    yield "0-size 2-D", np.empty((3, 0), dtype=dtype)
    yield "one", rand(1)
    for n in (2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 65, 127, 1000, 4097):
        yield f"n={n}", rand(n)
    yield "specials", special_values(dtype)
    laced = rand(5003)
    sv = special_values(dtype)
    laced[rng.integers(0, laced.size, sv.size * 3)] = np.tile(sv, 3)
    yield "laced", laced
    yield "2-D", rand(37, 41)
    yield "3-D", rand(4, 5, 6)
    yield "strided", rand(301)[::3]
    yield "negative stride", rand(257)[::-1]
    yield "transposed", rand(19, 23).T
    yield "fortran", np.asfortranarray(rand(13, 11))
    yield "2-D slice", rand(40, 50)[3:30:2, ::-3]
    yield "broadcast", np.broadcast_to(rand(1, 17), (9, 17))
    yield "byte-swapped", rand(129).astype(np.dtype(dtype).newbyteorder())
    # Large enough to cross every op's serial threshold and run threaded.
    big = rand(300_001)
    big[::997] = np.resize(sv, big[::997].shape)
    yield "big", big


def ulp_distance(got, ref64, dtype, scale=None):
    """Per-element error of `got` (dtype) against the float64 reference rounded to dtype, in
    units in the last place of dtype at the rounded reference. Where the true result is
    subnormal in dtype the budget is the smallest normal number, so those errors are expressed
    as multiples of it (<= 1 is OK).
    Special values must match exactly: a mismatch (NaN vs number, wrong infinity) is inf.
    scale (optional, float64 like ref64): measure in ULPs of max(|ref|, scale) instead, for
    results that are sums of larger terms of opposite sign (a derivative crossing zero)."""
    dtype = np.dtype(dtype)
    got = np.asarray(got, dtype=np.float64)
    ref64 = np.asarray(ref64, dtype=np.float64)
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        ref = ref64.astype(dtype).astype(np.float64)
        size = np.abs(ref) if scale is None else np.fmax(np.abs(ref), np.abs(scale))
        spacing = np.spacing(size.astype(dtype)).astype(np.float64)
        err = np.abs(got - ref) / spacing
        sub = np.abs(ref64) < fi.tiny
        # measured from the rounded reference, so an exact (correctly rounded) result is 0
        err = np.where(sub, np.abs(got - ref) / float(fi.tiny), err)
    same_special = (np.isnan(got) & np.isnan(ref)) | (np.isinf(ref) & (got == ref))
    bad_special = ~np.isfinite(ref) | ~np.isfinite(got)
    err = np.where(bad_special, np.where(same_special, 0.0, np.inf), err)
    return err


def assert_ulp(got, ref64, dtype, bound, context="", scale=None):
    err = ulp_distance(got, ref64, dtype, scale)
    if err.size == 0:
        return
    worst = int(np.argmax(err))
    flat_ref = np.asarray(ref64, dtype=np.float64).reshape(-1)
    flat_got = np.asarray(got, dtype=np.float64).reshape(-1)
    assert err.reshape(-1)[worst] <= bound, (
        f"{context}: max error {err.reshape(-1)[worst]:.3g} ULP > {bound} at flat index {worst}:"
        f" got {flat_got[worst]!r}, reference {flat_ref[worst]!r}")
