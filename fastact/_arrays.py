"""Array conventions shared by every fastact function (the one place they are implemented).

- Inputs are array-likes (anything ``np.asarray`` takes).
- float32 and float64 are computed natively. bool and integer inputs promote as numpy's
  ``np.exp`` does (bool/int8/uint8 -> float16, int16/uint16 -> float32, wider -> float64), and
  float16 results are computed in float32 and rounded. Complex, object, string, datetime and
  extended-precision inputs raise TypeError naming the argument.
- Inputs of one call must have equal shapes (ValueError otherwise); the result has that shape,
  a 0-d input gives a 0-d array.
- ``out=`` must be a writeable ndarray of exactly the result's shape and dtype, checked in full
  before anything is written (TypeError for a non-array or a wrong dtype, ValueError for a wrong
  shape or a read-only array). ``out`` may be one of the inputs (in place); any other overlap
  with an input is handled through a temporary, so the result is as if computed out of place.
- Any layout works: C- or Fortran-contiguous arrays are processed in place in memory order,
  other layouts (strided, negative strides, broadcast views) through contiguous copies.
- Inputs are never modified unless they are ``out``.

The compiled launchers (``_kernels.unary``/``binary``) take the case where none of this has
anything to do; every other call comes here.
"""

import numpy as np

from ._ext import _kernels

__all__ = ["as_input", "result_dtype", "compute_dtype", "work_array", "check_out", "elementwise"]

_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))
_PROMOTED = {}


def _promoted(dtype, name):
    """np.exp's result dtype for an input of `dtype`, or TypeError naming the argument."""
    try:
        return _PROMOTED[dtype]
    except KeyError:
        pass
    if dtype.kind not in "biuf" or dtype.kind == "f" and dtype.itemsize > 8:
        raise TypeError(f"{name} must be a real floating, integer or bool array; got dtype "
                        f"{dtype} (fastact computes in float16/float32/float64)")
    result = np.exp(np.zeros(1, dtype)).dtype
    _PROMOTED[dtype] = result
    return result


def as_input(x, name):
    """x as an ndarray of a supported dtype (no copy when it already is one)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like: {exc}") from None
    _promoted(arr.dtype, name)
    return arr


def result_dtype(*arrays_and_names):
    """The result dtype for inputs given as (array, name) pairs: np.exp's promotion of each,
    then their common type."""
    return np.result_type(*[_promoted(a.dtype, n) for a, n in arrays_and_names])


def compute_dtype(rdtype):
    """The dtype a kernel computes a result of dtype `rdtype` in (float16 -> float32)."""
    return rdtype if rdtype in _NATIVE else np.dtype(np.float32)


def work_array(a, dtype, order="C"):
    """`a` as an aligned, `order`-contiguous ndarray of the native `dtype` (no copy if it is)."""
    w = np.asarray(a, dtype=dtype, order=order)
    if not (w.flags.aligned and w.dtype.isnative):
        w = np.array(w, dtype=dtype, order=order)
    return w


def check_out(out, shape, dtype, name="out"):
    """Raise unless `out` is a writeable ndarray of exactly `shape` and `dtype`."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ValueError(f"{name} has shape {out.shape}, expected {tuple(shape)}")
    if out.dtype != dtype:
        raise TypeError(f"{name} has dtype {out.dtype}, expected {np.dtype(dtype)}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")


def _memory_order(arrays):
    """'F' when every array is Fortran- but not C-contiguous, else 'C'."""
    if all(a.flags.f_contiguous and not a.flags.c_contiguous for a in arrays):
        return "F"
    return "C"


def _flat(a):
    """A 1-D view of a C- or F-contiguous array in memory order."""
    return a.ravel(order="K")


def _is_same_view(a, b):
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.strides == b.strides and a.shape == b.shape and a.dtype == b.dtype)


def elementwise(run, inputs, names, out):
    """Apply `run(flat_inputs..., flat_result)` under the conventions above.

    run: callable on 1-D C-contiguous arrays of one native float dtype and equal length.
    inputs, names: the arguments and their names for error messages.
    Returns `out` when given, else a new array.
    """
    arrays = [as_input(x, n) for x, n in zip(inputs, names)]
    shape = arrays[0].shape
    for a, n in zip(arrays[1:], names[1:]):
        if a.shape != shape:
            raise ValueError(f"{n} has shape {a.shape}, expected {shape} (the shape of "
                             f"{names[0]})")
    rdtype = result_dtype(*zip(arrays, names))
    cdtype = compute_dtype(rdtype)
    if out is not None:
        check_out(out, shape, rdtype)

    direct = (out is not None and out.dtype == cdtype and out.flags.aligned
              and (out.flags.c_contiguous or out.flags.f_contiguous)
              and all(not np.shares_memory(out, a) or _is_same_view(out, a) for a in arrays))
    order = ("F" if out.flags.f_contiguous and not out.flags.c_contiguous else "C") \
        if direct else _memory_order(arrays)
    work = [work_array(a, cdtype, order) for a in arrays]
    target = out if direct else np.empty(shape, dtype=cdtype, order=order)
    if target.size:
        run(*[_flat(w) for w in work], _flat(target))
    if direct:
        return out
    if out is not None:
        out[...] = target
        return out
    return target if cdtype == rdtype else target.astype(rdtype)


def _unary_fallback(kind, op, x, out, params):
    return elementwise(lambda a, y: _kernels.run_unary_raw(kind, op, a, y, params),
                       (x,), ("x",), out)


_BINARY_NAMES = {
    _kernels.BACKWARD: ("grad_output", "x"),
    _kernels.BACKWARD_OUTPUT: ("grad_output", "output"),
    _kernels.ADD: ("a", "b"),
}


def _binary_fallback(kind, op, a, b, out, params):
    return elementwise(lambda u, v, y: _kernels.run_binary_raw(kind, op, u, v, y, params),
                       (a, b), _BINARY_NAMES[kind], out)


_kernels.set_fallbacks(_unary_fallback, _binary_fallback)
