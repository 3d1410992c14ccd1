"""The compiled tier's Python face: CPU-level selection, the thread count, and kernel launchers.

Launchers take numpy arrays. The fast path accepts only the case where no array convention has
anything to do (native float32/float64, C-contiguous and aligned inputs of equal shape, `out`
absent or exactly right); everything else goes to the fallback registered by
``fastact._arrays``, which implements the conventions and calls back into ``run_*_raw``.
"""

cimport numpy as cnp
from libc.stdint cimport uintptr_t

cnp.import_array()

cdef extern from "fa_kernels.h" nogil:
    enum:
        FA_MAX_PARAMS
        FA_NOPS
        FA_NISA
        FA_F32
        FA_F64
    ctypedef void (*fa_unary_fn)(const void *x, void *y, Py_ssize_t n, const double *p) noexcept
    ctypedef void (*fa_binary_fn)(const void *a, const void *b, void *y, Py_ssize_t n,
                                  const double *p) noexcept
    ctypedef struct fa_table:
        fa_unary_fn forward[FA_NOPS][2]
        fa_unary_fn derivative[FA_NOPS][2]
        fa_binary_fn backward[FA_NOPS][2]
        fa_binary_fn backward_output[FA_NOPS][2]
        fa_binary_fn add[2]
    fa_table fa_active
    int fa_isa_compiled(int level)
    int fa_isa_supported(int level)
    int fa_isa_select(int level)
    int fa_isa_current()
    const char *fa_op_name(int op)
    int fa_have_openmp()
    const char *fa_compiler()
    void fa_run_unary(fa_unary_fn fn, const char *x, char *y, Py_ssize_t n, Py_ssize_t itemsize,
                      const double *p, int nthreads, Py_ssize_t grain)
    void fa_run_binary(fa_binary_fn fn, const char *a, const char *b, char *y, Py_ssize_t n,
                       Py_ssize_t itemsize, const double *p, int nthreads, Py_ssize_t grain)
    int fa_omp_max_threads()
    int fa_threads_for(Py_ssize_t n, int nthreads, Py_ssize_t grain)

# Kernel kinds, as the Python layer names them.
FORWARD = 0
DERIVATIVE = 1
BACKWARD = 0
BACKWARD_OUTPUT = 1
ADD = 2

ISA_NAMES = ("baseline", "avx2", "avx512")
DEFAULT_GRAIN = 32768

cdef Py_ssize_t _grain[FA_NOPS]
cdef Py_ssize_t _add_grain = DEFAULT_GRAIN
cdef int _configured_threads = 1
cdef int _omp_initial = 1
cdef object _unary_fallback = None
cdef object _binary_fallback = None

for _i in range(FA_NOPS):
    _grain[_i] = DEFAULT_GRAIN


# ---------------------------------------------------------------- introspection and dispatch
def op_names():
    """Names of the elementwise ops in the C table, in table order."""
    return [fa_op_name(i).decode() for i in range(FA_NOPS)]


def have_openmp():
    return bool(fa_have_openmp())


def compiler():
    return fa_compiler().decode()


def isa_compiled():
    """ISA levels this build holds kernels for."""
    return [ISA_NAMES[i] for i in range(FA_NISA) if fa_isa_compiled(i)]


def isa_supported():
    """ISA levels this build holds and this CPU can run."""
    return [ISA_NAMES[i] for i in range(FA_NISA) if fa_isa_supported(i)]


def isa_select(str name):
    """Switch the kernel table to the level `name`; RuntimeError if the CPU cannot run it."""
    if name not in ISA_NAMES:
        raise ValueError(f"unknown CPU capability {name!r}; expected one of {ISA_NAMES}")
    level = ISA_NAMES.index(name)
    if not fa_isa_compiled(level):
        raise RuntimeError(f"CPU capability {name!r} is not compiled into this build of fastact "
                           f"(built: {', '.join(isa_compiled())})")
    if fa_isa_select(level) != 0:
        raise RuntimeError(f"CPU capability {name!r} is not supported by this CPU "
                           f"(supported: {', '.join(isa_supported())})")


def isa_current():
    cdef int level = fa_isa_current()
    return ISA_NAMES[level] if level >= 0 else None


# ---------------------------------------------------------------- threads
def set_threads(int n, int omp_initial):
    """Set the configured thread count and the OpenMP limit seen at import (see _threads.py)."""
    global _configured_threads, _omp_initial
    _configured_threads = n
    _omp_initial = omp_initial


def omp_max_threads():
    return fa_omp_max_threads()


cdef inline int _effective_threads() noexcept:
    """The configured count, lowered by any OpenMP limit set since import (threadpoolctl)."""
    cdef int n = _configured_threads
    cdef int m
    if not fa_have_openmp():
        return 1
    m = fa_omp_max_threads()
    if m < _omp_initial and m < n:
        n = m
    return n


def effective_threads():
    return _effective_threads()


def threads_for(Py_ssize_t n, int op=-1):
    """How many threads a call over n elements of op would use (op=-1: the add roof)."""
    return fa_threads_for(n, _effective_threads(), _add_grain if op < 0 else _grain[op])


def set_grain(int op, Py_ssize_t grain):
    """Minimum elements per thread for op (op=-1: the add roof); serial below twice that."""
    global _add_grain
    if grain < 1024:
        raise ValueError("grain must be at least 1024 elements")
    if op == -1:
        _add_grain = grain
    elif 0 <= op < FA_NOPS:
        _grain[op] = grain
    else:
        raise ValueError(f"no op {op}")


# ---------------------------------------------------------------- launchers
def set_fallbacks(unary, binary):
    """Register the Python functions that handle every call the fast path does not."""
    global _unary_fallback, _binary_fallback
    _unary_fallback = unary
    _binary_fallback = binary


cdef inline int _dtype_index(cnp.ndarray a) noexcept:
    cdef int t = cnp.PyArray_TYPE(a)
    if not cnp.PyArray_ISNOTSWAPPED(a):
        return -1
    if t == cnp.NPY_FLOAT32:
        return FA_F32
    if t == cnp.NPY_FLOAT64:
        return FA_F64
    return -1


cdef inline bint _plain(cnp.ndarray a) noexcept:
    return cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)


cdef inline bint _same_shape(cnp.ndarray a, cnp.ndarray b) noexcept:
    cdef int k
    if cnp.PyArray_NDIM(a) != cnp.PyArray_NDIM(b):
        return False
    for k in range(cnp.PyArray_NDIM(a)):
        if cnp.PyArray_DIM(a, k) != cnp.PyArray_DIM(b, k):
            return False
    return True


cdef inline bint _disjoint(cnp.ndarray a, cnp.ndarray b) noexcept:
    cdef uintptr_t a0 = <uintptr_t>cnp.PyArray_DATA(a)
    cdef uintptr_t b0 = <uintptr_t>cnp.PyArray_DATA(b)
    return a0 + <uintptr_t>cnp.PyArray_NBYTES(a) <= b0 or \
        b0 + <uintptr_t>cnp.PyArray_NBYTES(b) <= a0


cdef inline bint _usable_out(object out, cnp.ndarray like, int dt) noexcept:
    """out is a plain writeable array of like's shape and dtype, equal to or disjoint from like."""
    cdef cnp.ndarray o
    if type(out) is not cnp.ndarray:
        return False
    o = <cnp.ndarray>out
    if _dtype_index(o) != dt or not _plain(o) or not cnp.PyArray_ISWRITEABLE(o):
        return False
    if not _same_shape(o, like):
        return False
    return o is like or _disjoint(o, like) or cnp.PyArray_SIZE(o) == 0


cdef inline void _pack(double *p, double p0, double p1, double p2, double p3) noexcept:
    p[0] = p0
    p[1] = p1
    p[2] = p2
    p[3] = p3


cdef inline cnp.ndarray _new_like(cnp.ndarray a):
    return cnp.PyArray_EMPTY(cnp.PyArray_NDIM(a), cnp.PyArray_DIMS(a), cnp.PyArray_TYPE(a), 0)


cdef fa_unary_fn _unary_fn(int kind, int op, int dt) except? NULL:
    cdef fa_unary_fn fn = NULL
    if op < 0 or op >= FA_NOPS:
        raise ValueError(f"no op {op}")
    if kind == FORWARD:
        fn = fa_active.forward[op][dt]
    elif kind == DERIVATIVE:
        fn = fa_active.derivative[op][dt]
    if fn == NULL:
        raise NotImplementedError(f"no unary kernel kind={kind} for op {op_names()[op]}")
    return fn


cdef fa_binary_fn _binary_fn(int kind, int op, int dt) except? NULL:
    cdef fa_binary_fn fn = NULL
    if kind == ADD:
        fn = fa_active.add[dt]
    elif op < 0 or op >= FA_NOPS:
        raise ValueError(f"no op {op}")
    elif kind == BACKWARD:
        fn = fa_active.backward[op][dt]
    elif kind == BACKWARD_OUTPUT:
        fn = fa_active.backward_output[op][dt]
    if fn == NULL:
        raise NotImplementedError(f"no binary kernel kind={kind} for op {op}")
    return fn


cdef inline void _go_unary(fa_unary_fn fn, cnp.ndarray x, cnp.ndarray y, double *p,
                           Py_ssize_t grain):
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef Py_ssize_t itemsize = cnp.PyArray_ITEMSIZE(x)
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef char *yp = <char *>cnp.PyArray_DATA(y)
    cdef int nt = 1
    if n == 0:
        return
    if n < 2 * grain:
        fn(xp, yp, n, p)
        return
    nt = _effective_threads()
    with nogil:
        fa_run_unary(fn, xp, yp, n, itemsize, p, nt, grain)


cdef inline void _go_binary(fa_binary_fn fn, cnp.ndarray a, cnp.ndarray b, cnp.ndarray y,
                            double *p, Py_ssize_t grain):
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a)
    cdef Py_ssize_t itemsize = cnp.PyArray_ITEMSIZE(a)
    cdef const char *ap = <const char *>cnp.PyArray_DATA(a)
    cdef const char *bp = <const char *>cnp.PyArray_DATA(b)
    cdef char *yp = <char *>cnp.PyArray_DATA(y)
    cdef int nt = 1
    if n == 0:
        return
    if n < 2 * grain:
        fn(ap, bp, yp, n, p)
        return
    nt = _effective_threads()
    with nogil:
        fa_run_binary(fn, ap, bp, yp, n, itemsize, p, nt, grain)


def unary(int kind, int op, x, out=None, double p0=0.0, double p1=0.0, double p2=0.0,
          double p3=0.0):
    """y = f(x) for the op's kernel of `kind` (FORWARD or DERIVATIVE)."""
    cdef double p[FA_MAX_PARAMS]
    cdef cnp.ndarray xa, ya
    cdef int dt
    if type(x) is cnp.ndarray:
        xa = <cnp.ndarray>x
        dt = _dtype_index(xa)
        if dt >= 0 and _plain(xa):
            if out is None:
                ya = _new_like(xa)
            elif _usable_out(out, xa, dt):
                ya = <cnp.ndarray>out
            else:
                ya = None
            if ya is not None:
                _pack(p, p0, p1, p2, p3)
                _go_unary(_unary_fn(kind, op, dt), xa, ya, p, _grain[op])
                return ya
    return _unary_fallback(kind, op, x, out, (p0, p1, p2, p3))


def binary(int kind, int op, a, b, out=None, double p0=0.0, double p1=0.0, double p2=0.0,
           double p3=0.0):
    """y = f(a, b) for the op's kernel of `kind` (BACKWARD, BACKWARD_OUTPUT or ADD)."""
    cdef double p[FA_MAX_PARAMS]
    cdef cnp.ndarray aa, ba, ya
    cdef int dt
    if type(a) is cnp.ndarray and type(b) is cnp.ndarray:
        aa = <cnp.ndarray>a
        ba = <cnp.ndarray>b
        dt = _dtype_index(aa)
        if dt >= 0 and _dtype_index(ba) == dt and _plain(aa) and _plain(ba) \
                and _same_shape(aa, ba):
            if out is None:
                ya = _new_like(aa)
            elif _usable_out(out, aa, dt) and _usable_out(out, ba, dt):
                ya = <cnp.ndarray>out
            else:
                ya = None
            if ya is not None:
                _pack(p, p0, p1, p2, p3)
                _go_binary(_binary_fn(kind, op, dt), aa, ba, ya, p,
                           _add_grain if kind == ADD else _grain[op])
                return ya
    return _binary_fallback(kind, op, a, b, out, (p0, p1, p2, p3))


def run_unary_raw(int kind, int op, cnp.ndarray x, cnp.ndarray y, tuple params):
    """Run on arrays the caller has prepared: same float dtype, C-contiguous, equal size."""
    cdef double p[FA_MAX_PARAMS]
    cdef int dt = _dtype_index(x)
    cdef int k
    if dt < 0 or _dtype_index(y) != dt or not (_plain(x) and _plain(y)) \
            or cnp.PyArray_SIZE(x) != cnp.PyArray_SIZE(y):
        raise RuntimeError("run_unary_raw: arrays not prepared")
    for k in range(FA_MAX_PARAMS):
        p[k] = params[k]
    _go_unary(_unary_fn(kind, op, dt), x, y, p, _grain[op])


def run_binary_raw(int kind, int op, cnp.ndarray a, cnp.ndarray b, cnp.ndarray y,
                   tuple params):
    """Run on arrays the caller has prepared: same float dtype, C-contiguous, equal size."""
    cdef double p[FA_MAX_PARAMS]
    cdef int dt = _dtype_index(a)
    cdef int k
    if dt < 0 or _dtype_index(b) != dt or _dtype_index(y) != dt \
            or not (_plain(a) and _plain(b) and _plain(y)) \
            or cnp.PyArray_SIZE(a) != cnp.PyArray_SIZE(y) \
            or cnp.PyArray_SIZE(b) != cnp.PyArray_SIZE(y):
        raise RuntimeError("run_binary_raw: arrays not prepared")
    for k in range(FA_MAX_PARAMS):
        p[k] = params[k]
    _go_binary(_binary_fn(kind, op, dt), a, b, y, p,
               _add_grain if kind == ADD else _grain[op])


include "_norm.pxi"
include "_special.pxi"
include "_loss.pxi"
include "_smooth.pxi"
