# swish's backward with the beta gradient (included by _kernels.pyx; kernels in fa_swish.h).

cdef extern from "fa_swish.h" nogil:
    enum:
        FA_SWISH_BLOCK
    double fa_swish_backward_beta(int dtype, const void *g, const void *x, void *gi,
                                  Py_ssize_t n, double beta, double *block_sums, int nthreads)


def swish_backward_raw(int op, cnp.ndarray g, cnp.ndarray x, cnp.ndarray y, double beta):
    """grad_input = g * d swish/dx into y; returns grad_beta = sum(g * d swish/d beta).

    Arrays prepared by the caller: one native float dtype, C-contiguous, equal size. The sum is
    taken in fixed blocks added in order: the same bits for any thread count."""
    cdef int dt = _dtype_index(g)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(g)
    cdef Py_ssize_t nb = (n + FA_SWISH_BLOCK - 1) // FA_SWISH_BLOCK
    cdef cnp.npy_intp dims[1]
    cdef cnp.ndarray sums
    cdef int nt = 1
    cdef double total
    if dt < 0 or _dtype_index(x) != dt or _dtype_index(y) != dt \
            or not (_plain(g) and _plain(x) and _plain(y)) \
            or cnp.PyArray_SIZE(x) != n or cnp.PyArray_SIZE(y) != n:
        raise RuntimeError("swish_backward_raw: arrays not prepared")
    if op < 0 or op >= FA_NOPS:
        raise ValueError(f"no op {op}")
    if n == 0:
        return 0.0
    dims[0] = nb
    sums = cnp.PyArray_EMPTY(1, dims, cnp.NPY_FLOAT64, 0)
    if n >= 2 * _grain[op]:
        nt = fa_threads_for(n, _effective_threads(), _grain[op])
    with nogil:
        total = fa_swish_backward_beta(dt, cnp.PyArray_DATA(g), cnp.PyArray_DATA(x),
                                       cnp.PyArray_DATA(y), n, beta,
                                       <double *>cnp.PyArray_DATA(sums), nt)
    return total


def swish_backward_direct(int op, g, x, out, double beta):
    """(grad_input, grad_beta) straight from plain arrays: g and x C-contiguous of one native
    float dtype and shape, out None or a usable array of that shape (equal to or disjoint from
    each). None otherwise: the caller then takes the general path (conversions, checks)."""
    cdef cnp.ndarray ga, xa, ya
    cdef int dt
    if type(g) is not cnp.ndarray or type(x) is not cnp.ndarray:
        return None
    ga = <cnp.ndarray>g
    xa = <cnp.ndarray>x
    dt = _dtype_index(ga)
    if dt < 0 or _dtype_index(xa) != dt or not (_plain(ga) and _plain(xa)) \
            or not _same_shape(ga, xa):
        return None
    if out is None:
        ya = _new_like(ga)
    elif _usable_out(out, ga, dt) and _usable_out(out, xa, dt):
        ya = <cnp.ndarray>out
    else:
        return None
    return ya, swish_backward_raw(op, ga, xa, ya, beta)
