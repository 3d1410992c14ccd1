# swish's backward with the beta gradient (included by _kernels.pyx; kernels in fa_swish.h).

cdef extern from "fa_swish.h" nogil:
    enum:
        FA_SWISH_BLOCK
    double fa_swish_backward_beta(int dtype, const void *g, const void *x, void *gi,
                                  Py_ssize_t n, double beta, double *block_sums, int nthreads)


cdef enum:
    _SWISH_STACK_BLOCKS = 64  # block sums kept on the stack (n up to 64 blocks)


cdef double _swish_backward_go(int op, cnp.ndarray g, cnp.ndarray x, cnp.ndarray y,
                               double beta) except? -1.0:
    """The kernel on prepared arrays of one dtype and size; returns grad_beta."""
    cdef int dt = _dtype_index(g)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(g)
    cdef Py_ssize_t nb = (n + FA_SWISH_BLOCK - 1) // FA_SWISH_BLOCK
    cdef double stack_sums[_SWISH_STACK_BLOCKS]
    cdef double *sums = stack_sums
    cdef cnp.npy_intp dims[1]
    cdef cnp.ndarray heap = None
    cdef int nt = 1
    cdef double total
    if op < 0 or op >= FA_NOPS:
        raise ValueError(f"no op {op}")
    if n == 0:
        return 0.0
    if nb > _SWISH_STACK_BLOCKS:
        dims[0] = nb
        heap = cnp.PyArray_EMPTY(1, dims, cnp.NPY_FLOAT64, 0)
        sums = <double *>cnp.PyArray_DATA(heap)
    if n >= 2 * _grain[op]:
        nt = fa_threads_for(n, _effective_threads(), _grain[op])
    with nogil:
        total = fa_swish_backward_beta(dt, cnp.PyArray_DATA(g), cnp.PyArray_DATA(x),
                                       cnp.PyArray_DATA(y), n, beta, sums, nt)
    return total


def swish_backward_raw(int op, cnp.ndarray g, cnp.ndarray x, cnp.ndarray y, double beta):
    """grad_input = g * d swish/dx into y; returns grad_beta = sum(g * d swish/d beta).

    Arrays prepared by the caller: one native float dtype, C-contiguous, equal size. The sum is
    taken in fixed blocks added in order: the same bits for any thread count."""
    cdef int dt = _dtype_index(g)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(g)
    if dt < 0 or _dtype_index(x) != dt or _dtype_index(y) != dt \
            or not (_plain(g) and _plain(x) and _plain(y)) \
            or cnp.PyArray_SIZE(x) != n or cnp.PyArray_SIZE(y) != n:
        raise RuntimeError("swish_backward_raw: arrays not prepared")
    return _swish_backward_go(op, g, x, y, beta)


cdef extern from "numpy/arrayobject.h":
    object PyArray_Scalar(void *data, cnp.dtype descr, object base)


def swish_backward_plain(int op, g, x, out, double beta):
    """(grad_input, grad_beta as a numpy scalar of its dtype) for plain arrays (native float,
    C-contiguous, one shape, out absent or exactly right); None when the call needs the general
    path."""
    cdef cnp.ndarray ga
    cdef int dt
    cdef double total
    cdef float total32
    if type(g) is not cnp.ndarray:
        return None
    ga = <cnp.ndarray>g
    dt = _dtype_index(ga)
    if dt < 0 or not _plain(ga):
        return None
    res = _fast_out(out, ga, x, dt)
    if res is None:
        return None
    total = _swish_backward_go(op, ga, <cnp.ndarray>x, <cnp.ndarray>res, beta)
    if dt == FA_F64:
        return res, PyArray_Scalar(&total, cnp.PyArray_DescrFromType(cnp.NPY_FLOAT64), None)
    total32 = <float>total
    return res, PyArray_Scalar(&total32, cnp.PyArray_DescrFromType(cnp.NPY_FLOAT32), None)
