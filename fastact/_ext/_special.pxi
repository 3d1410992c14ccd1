# Launchers for the non-elementwise activations (included by _kernels.pyx). Each takes arrays
# the Python layer (fastact/parametric.py, fastact/softmax.py) has prepared: data arrays native
# float32/float64, C-contiguous, aligned and of one dtype; anything else is a RuntimeError (a bug
# in the caller, never a user error). The C side is fa_special_run.c.

from libc.stdint cimport uint64_t

cdef extern from "fa_special.h" nogil:
    enum:
        FA_PRELU_FORWARD
        FA_PRELU_DERIVATIVE
        FA_PRELU_BACKWARD
        FA_PRELU_GRAD_INPUT
        FA_SOFTMAX
        FA_LOG_SOFTMAX
        FA_SOFTMAX_BWD
        FA_LOG_SOFTMAX_BWD
    int fa_prelu(int dt, int mode, const void *g, const void *x, void *y, Py_ssize_t outer,
                 Py_ssize_t C, Py_ssize_t inner, const double *w, double *gw, int nthreads,
                 Py_ssize_t grain)
    void fa_rrelu_train(int dt, const void *x, void *y, void *noise, Py_ssize_t n,
                        uint64_t seed, double lower, double upper, int nthreads,
                        Py_ssize_t grain)
    void fa_dropout_train(int dt, const void *x, void *y, unsigned char *mask, Py_ssize_t n,
                          uint64_t seed, double p, int nthreads, Py_ssize_t grain)
    void fa_dropout_backward(int dt, const void *g, const unsigned char *mask, void *y,
                             Py_ssize_t n, double scale, int nthreads, Py_ssize_t grain)
    void fa_mul(int dt, const void *a, const void *b, void *y, Py_ssize_t n, int nthreads,
                Py_ssize_t grain)
    void fa_softmax(int dt, int mode, const void *a, const void *b, void *y, Py_ssize_t outer,
                    Py_ssize_t K, Py_ssize_t inner, int nthreads, Py_ssize_t grain)
    void fa_maxout(int dt, int backward, const void *g, const void *x, void *y,
                   Py_ssize_t outer, Py_ssize_t G, Py_ssize_t pieces, Py_ssize_t inner,
                   int nthreads, Py_ssize_t grain)

PRELU_FORWARD = FA_PRELU_FORWARD
PRELU_DERIVATIVE = FA_PRELU_DERIVATIVE
PRELU_BACKWARD = FA_PRELU_BACKWARD
PRELU_GRAD_INPUT = FA_PRELU_GRAD_INPUT
SOFTMAX = FA_SOFTMAX
LOG_SOFTMAX = FA_LOG_SOFTMAX
SOFTMAX_BWD = FA_SOFTMAX_BWD
LOG_SOFTMAX_BWD = FA_LOG_SOFTMAX_BWD

# Minimum elements per thread (serial below twice that): memory-bound ops reach memory speed on
# one thread up to the L2 size; softmax (an exp per element) threads earlier.
cdef Py_ssize_t _special_grain = 1 << 16
cdef Py_ssize_t _softmax_grain = 1 << 13
SPECIAL_GRAIN = _special_grain
SOFTMAX_GRAIN = _softmax_grain


cdef int _sp_data(object a, Py_ssize_t size, int dt) except -2:
    """Check a prepared data array (None allowed: returns -1); its dtype index otherwise."""
    cdef cnp.ndarray v
    cdef int d
    if a is None:
        return -1
    v = <cnp.ndarray?>a
    d = _dtype_index(v)
    if d < 0 or (dt >= 0 and d != dt) or not _plain(v) or cnp.PyArray_SIZE(v) != size:
        raise RuntimeError("special launcher: data array not prepared")
    return d


cdef inline void *_sp_ptr(object a) noexcept:
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray>a)


cdef unsigned char *_sp_mask(object m, Py_ssize_t size) except? NULL:
    cdef cnp.ndarray v = <cnp.ndarray?>m
    if cnp.PyArray_TYPE(v) != cnp.NPY_BOOL or not _plain(v) or cnp.PyArray_SIZE(v) != size:
        raise RuntimeError("special launcher: mask not prepared")
    return <unsigned char *>cnp.PyArray_DATA(v)


def prelu_run(int mode, g, cnp.ndarray x, cnp.ndarray y, cnp.ndarray w, Py_ssize_t outer,
              Py_ssize_t C, Py_ssize_t inner):
    """prelu kernels on x viewed as (outer, C, inner) with float64 slopes w[C]: forward or
    derivative into y, or (mode PRELU_BACKWARD, g given) grad_input into y; returns the float64
    weight gradient (C,) in backward mode, else None."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _sp_data(x, n, -1), rc
    cdef int nt = _effective_threads()
    cdef cnp.ndarray gw = _vec(C)
    _sp_data(y, n, dt)
    if (mode >= FA_PRELU_BACKWARD) != (g is not None):
        raise RuntimeError("prelu_run: grad_output goes with the backward modes only")
    _sp_data(g, n, dt)
    if _dtype_index(w) != FA_F64 or not _plain(w) or cnp.PyArray_SIZE(w) != C:
        raise RuntimeError("prelu_run: weight not prepared")
    cdef void *pg = _sp_ptr(g)
    cdef void *px = _sp_ptr(x)
    cdef void *py = _sp_ptr(y)
    cdef double *pw = <double *>_sp_ptr(w)
    cdef double *pgw = <double *>_sp_ptr(gw)
    with nogil:
        rc = fa_prelu(dt, mode, pg, px, py, outer, C, inner, pw, pgw, nt, _special_grain)
    if rc != 0:
        raise MemoryError("fastact: could not allocate the prelu workspace")
    return gw if mode == FA_PRELU_BACKWARD else None


def rrelu_train(cnp.ndarray x, cnp.ndarray y, cnp.ndarray noise, uint64_t seed, double lower,
                double upper):
    """rrelu in training: y and noise (the slopes, 1 where x > 0) from Philox keyed by seed."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef int dt = _sp_data(x, n, -1)
    cdef int nt = _effective_threads()
    _sp_data(y, n, dt)
    _sp_data(noise, n, dt)
    cdef void *px = _sp_ptr(x)
    cdef void *py = _sp_ptr(y)
    cdef void *pn = _sp_ptr(noise)
    with nogil:
        fa_rrelu_train(dt, px, py, pn, n, seed, lower, upper, nt, _special_grain)


def dropout_train(cnp.ndarray x, cnp.ndarray y, cnp.ndarray mask, uint64_t seed, double p):
    """dropout in training: mask (bool, keep) from Philox keyed by seed, y = x * mask / (1 - p)."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef int dt = _sp_data(x, n, -1)
    cdef int nt = _effective_threads()
    _sp_data(y, n, dt)
    cdef unsigned char *pm = _sp_mask(mask, n)
    cdef void *px = _sp_ptr(x)
    cdef void *py = _sp_ptr(y)
    with nogil:
        fa_dropout_train(dt, px, py, pm, n, seed, p, nt, _special_grain)


def dropout_backward(cnp.ndarray g, cnp.ndarray mask, cnp.ndarray y, double scale):
    """y = g * (mask ? scale : 0)."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(g)
    cdef int dt = _sp_data(g, n, -1)
    cdef int nt = _effective_threads()
    _sp_data(y, n, dt)
    cdef unsigned char *pm = _sp_mask(mask, n)
    cdef void *pg = _sp_ptr(g)
    cdef void *py = _sp_ptr(y)
    with nogil:
        fa_dropout_backward(dt, pg, pm, py, n, scale, nt, _special_grain)


def multiply(cnp.ndarray a, cnp.ndarray b, cnp.ndarray y):
    """y = a * b."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a)
    cdef int dt = _sp_data(a, n, -1)
    cdef int nt = _effective_threads()
    _sp_data(b, n, dt)
    _sp_data(y, n, dt)
    cdef void *pa = _sp_ptr(a)
    cdef void *pb = _sp_ptr(b)
    cdef void *py = _sp_ptr(y)
    with nogil:
        fa_mul(dt, pa, pb, py, n, nt, _special_grain)


def softmax_run(int mode, cnp.ndarray a, b, cnp.ndarray y, Py_ssize_t outer, Py_ssize_t K,
                Py_ssize_t inner):
    """Softmax family along K of (outer, K, inner): forward from a = x (b None), backward from
    a = grad_output and b = the forward's output."""
    cdef Py_ssize_t n = outer * K * inner
    cdef int dt = _sp_data(a, n, -1)
    cdef int nt = _effective_threads()
    _sp_data(y, n, dt)
    if (mode >= FA_SOFTMAX_BWD) != (b is not None):
        raise RuntimeError("softmax_run: the output operand goes with backward modes only")
    _sp_data(b, n, dt)
    cdef void *pa = _sp_ptr(a)
    cdef void *pb = _sp_ptr(b)
    cdef void *py = _sp_ptr(y)
    with nogil:
        fa_softmax(dt, mode, pa, pb, py, outer, K, inner, nt, _softmax_grain)


def maxout_run(g, cnp.ndarray x, cnp.ndarray y, Py_ssize_t outer, Py_ssize_t G,
               Py_ssize_t pieces, Py_ssize_t inner):
    """maxout along K = G * pieces of x (outer, K, inner): forward into y (outer, G, inner) when
    g is None, else the backward of g (outer, G, inner) into y (outer, K, inner)."""
    cdef Py_ssize_t n = outer * G * pieces * inner
    cdef int dt = _sp_data(x, n, -1)
    cdef int nt = _effective_threads()
    cdef bint backward = g is not None
    _sp_data(g, outer * G * inner, dt)
    _sp_data(y, n if backward else outer * G * inner, dt)
    cdef void *pg = _sp_ptr(g)
    cdef void *px = _sp_ptr(x)
    cdef void *py = _sp_ptr(y)
    with nogil:
        fa_maxout(dt, backward, pg, px, py, outer, G, pieces, inner, nt, _special_grain)


# ---------------------------------------------------------------- fast paths
# The common calls (native float arrays, C-contiguous, out absent or exactly right) skip the
# Python layer's conventions; None means "not this case", and the caller takes the general path.
cdef object _fast_out(object out, cnp.ndarray a, object b, int dt):
    """The result array for a fast-path call on a (and b), or None."""
    if b is not None and (type(b) is not cnp.ndarray or _dtype_index(<cnp.ndarray>b) != dt
                          or not _plain(<cnp.ndarray>b) or not _same_shape(<cnp.ndarray>b, a)):
        return None
    if out is None:
        return _new_like(a)
    if _usable_out(out, a, dt) and (b is None or _usable_out(out, <cnp.ndarray>b, dt)):
        return out
    return None


def prelu_scalar(int mode, g, x, out, double w):
    """prelu with one slope on plain arrays: y (forward/derivative) or (grad_input, grad_weight
    as a float); None when the call needs the general path."""
    cdef cnp.ndarray xa, ya
    cdef int dt, rc = 0, nt
    cdef double gw = 0.0
    cdef Py_ssize_t n
    cdef void *pg
    cdef void *px
    cdef void *py
    if type(x) is not cnp.ndarray:
        return None
    xa = <cnp.ndarray>x
    dt = _dtype_index(xa)
    if dt < 0 or not _plain(xa) or (mode >= FA_PRELU_BACKWARD) != (g is not None):
        return None
    res = _fast_out(out, xa, g, dt)
    if res is None:
        return None
    ya = <cnp.ndarray>res
    n = cnp.PyArray_SIZE(xa)
    pg = _sp_ptr(g)
    px = cnp.PyArray_DATA(xa)
    py = cnp.PyArray_DATA(ya)
    if n >= 2 * _special_grain:
        nt = _effective_threads()
        with nogil:
            rc = fa_prelu(dt, mode, pg, px, py, 1, 1, n, &w, &gw, nt, _special_grain)
    elif n > 0:
        rc = fa_prelu(dt, mode, pg, px, py, 1, 1, n, &w, &gw, 1, _special_grain)
    if rc != 0:
        raise MemoryError("fastact: could not allocate the prelu workspace")
    return (ya, gw) if mode == FA_PRELU_BACKWARD else ya


def softmax_last(int mode, a, b, out):
    """Softmax family along the last axis of plain arrays (a 1-D or more); None when the call
    needs the general path."""
    cdef cnp.ndarray aa, ya
    cdef int dt, nd, nt = 1
    cdef Py_ssize_t n, K
    cdef void *pa
    cdef void *pb
    cdef void *py
    if type(a) is not cnp.ndarray:
        return None
    aa = <cnp.ndarray>a
    dt = _dtype_index(aa)
    nd = cnp.PyArray_NDIM(aa)
    if dt < 0 or nd == 0 or not _plain(aa) or (mode >= FA_SOFTMAX_BWD) != (b is not None):
        return None
    res = _fast_out(out, aa, b, dt)
    if res is None:
        return None
    ya = <cnp.ndarray>res
    n = cnp.PyArray_SIZE(aa)
    K = cnp.PyArray_DIM(aa, nd - 1)
    if n == 0:
        return ya
    pa = cnp.PyArray_DATA(aa)
    pb = _sp_ptr(b)
    py = cnp.PyArray_DATA(ya)
    if n >= 2 * _softmax_grain:
        nt = _effective_threads()
        with nogil:
            fa_softmax(dt, mode, pa, pb, py, n // K, K, 1, nt, _softmax_grain)
    else:
        fa_softmax(dt, mode, pa, pb, py, n // K, K, 1, 1, _softmax_grain)
    return ya


cdef enum:
    _PRELU_STACK_SLOPES = 256  # float32 slopes widened to double on the stack up to this many


def prelu_channels(int mode, g, x, out, w, axis):
    """prelu with one slope per channel on plain arrays: x (and g) native float and
    C-contiguous, w a 1-D native float32/float64 contiguous array of x.shape[axis] > 1 slopes,
    axis an int in range. y (forward/derivative) or (grad_input, grad_weight of w's dtype);
    None when the call needs the general path (which also reports every error)."""
    cdef cnp.ndarray xa, ya, wa, gwa, wbuf, gwf
    cdef int dt, wt, nd, ax, k, rc = 0, nt = 1
    cdef Py_ssize_t n, C, outer = 1, inner = 1, c
    cdef double stack_w[_PRELU_STACK_SLOPES]
    cdef double *pw
    cdef double *pgw
    cdef void *pg
    cdef void *px
    cdef void *py
    if type(x) is not cnp.ndarray or type(w) is not cnp.ndarray or type(axis) is not int:
        return None
    xa = <cnp.ndarray>x
    wa = <cnp.ndarray>w
    dt = _dtype_index(xa)
    wt = _dtype_index(wa)
    nd = cnp.PyArray_NDIM(xa)
    if dt < 0 or wt < 0 or nd == 0 or not _plain(xa) or not _plain(wa) \
            or cnp.PyArray_NDIM(wa) != 1 or (mode >= FA_PRELU_BACKWARD) != (g is not None):
        return None
    if not -nd <= axis < nd:
        return None
    ax = axis % nd
    C = cnp.PyArray_DIM(xa, ax)
    if C <= 1 or cnp.PyArray_DIM(wa, 0) != C:
        return None
    res = _fast_out(out, xa, g, dt)
    if res is None:
        return None
    ya = <cnp.ndarray>res
    for k in range(ax):
        outer *= cnp.PyArray_DIM(xa, k)
    for k in range(ax + 1, nd):
        inner *= cnp.PyArray_DIM(xa, k)
    n = outer * C * inner
    if mode == FA_PRELU_BACKWARD:
        gwa = _vec(C)
        pgw = <double *>cnp.PyArray_DATA(gwa)
    else:
        gwa = None
        pgw = NULL
    if wt == FA_F64:
        pw = <double *>cnp.PyArray_DATA(wa)
        wbuf = None
    elif C <= _PRELU_STACK_SLOPES:
        pw = stack_w
        wbuf = None
    else:
        wbuf = _vec(C)
        pw = <double *>cnp.PyArray_DATA(wbuf)
    if wt == FA_F32:
        for c in range(C):
            pw[c] = (<float *>cnp.PyArray_DATA(wa))[c]
    pg = _sp_ptr(g)
    px = cnp.PyArray_DATA(xa)
    py = cnp.PyArray_DATA(ya)
    if n >= 2 * _special_grain:
        nt = _effective_threads()
        with nogil:
            rc = fa_prelu(dt, mode, pg, px, py, outer, C, inner, pw, pgw, nt, _special_grain)
    else:
        rc = fa_prelu(dt, mode, pg, px, py, outer, C, inner, pw, pgw, 1, _special_grain)
    if rc != 0:
        raise MemoryError("fastact: could not allocate the prelu workspace")
    if mode != FA_PRELU_BACKWARD:
        return ya
    if wt == FA_F64:
        return ya, gwa
    gwf = cnp.PyArray_EMPTY(1, cnp.PyArray_DIMS(wa), cnp.NPY_FLOAT32, 0)
    for c in range(C):
        (<float *>cnp.PyArray_DATA(gwf))[c] = <float>pgw[c]
    return ya, gwf
