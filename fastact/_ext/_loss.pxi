# Launchers for the losses and the gradient-norm reduction (included by _kernels.pyx). The
# Python layer (fastact/losses.py, fastact/nn/optim.py) prepares the arrays: native float32 or
# float64, C-contiguous, aligned; anything else is a RuntimeError (a bug in the caller).

from libc.stdint cimport int64_t

cdef extern from "fa_loss.h" nogil:
    int fa_softmax_xent(int dt, const void *x, const int64_t *labels, Py_ssize_t n,
                        Py_ssize_t c, double scale, void *grad, double *loss, int nthreads)
    int fa_sum_squares(int dt, const void *x, Py_ssize_t n, double *result, int nthreads)


cdef int _loss_array(cnp.ndarray a, Py_ssize_t size, int dt) except -1:
    """Check a prepared array; return its dtype index (dt < 0: any native float)."""
    cdef int d = _dtype_index(a)
    if d < 0 or (dt >= 0 and d != dt) or not _plain(a) or cnp.PyArray_SIZE(a) != size:
        raise RuntimeError("loss launcher: array not prepared")
    return d


def softmax_xent(cnp.ndarray x, cnp.ndarray labels, double scale, cnp.ndarray grad,
                 cnp.ndarray loss):
    """Per-row softmax cross-entropy of x (n, c) into loss (n,) float64, its gradient times
    scale into grad (x's shape and dtype)."""
    cdef Py_ssize_t n = cnp.PyArray_DIM(x, 0), c = cnp.PyArray_DIM(x, 1)
    cdef int dt = _loss_array(x, n * c, -1)
    _loss_array(grad, n * c, dt)
    _loss_array(loss, n, FA_F64)
    if (cnp.PyArray_TYPE(labels) != cnp.NPY_INT64 or not _plain(labels)
            or cnp.PyArray_SIZE(labels) != n):
        raise RuntimeError("loss launcher: labels not prepared")
    cdef int nt = _effective_threads()
    cdef void *px = _ptr(x)
    cdef void *pl = _ptr(labels)
    cdef void *pg = _ptr(grad)
    cdef void *po = _ptr(loss)
    with nogil:
        fa_softmax_xent(dt, px, <const int64_t *>pl, n, c, scale, pg, <double *>po, nt)


def sum_squares(cnp.ndarray x):
    """sum(x**2) in float64 over a prepared array (blocked, thread-count independent)."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef int dt = _loss_array(x, n, -1)
    cdef int nt = _effective_threads(), rc
    cdef double result = 0.0
    cdef void *px = _ptr(x)
    with nogil:
        rc = fa_sum_squares(dt, px, n, &result, nt)
    if rc != 0:
        raise MemoryError("fastact: could not allocate the sum-of-squares workspace")
    return result
