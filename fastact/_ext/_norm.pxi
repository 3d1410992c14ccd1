# Normalization launchers (included by _kernels.pyx). Each takes arrays the Python layer
# (fastact/normalization.py) has prepared: x-like arrays native float32/float64, C-contiguous,
# aligned and of one dtype; per-channel arrays float64 C-contiguous. Anything else is a
# RuntimeError (a bug in the caller, never a user error). The C side is fa_norm_run.c.

cdef extern from "fa_norm.h" nogil:
    int fa_norm_stats(int dt, const void *x, Py_ssize_t outer, Py_ssize_t C, Py_ssize_t inner,
                      double *mean, double *m2, int nthreads)
    int fa_norm_stats_merge(int dt, const void *x, Py_ssize_t outer, Py_ssize_t C,
                            Py_ssize_t inner, int sdt, double count, void *mean, void *m2,
                            int nthreads)
    int fa_norm_apply(int dt, const void *x, void *y, Py_ssize_t outer, Py_ssize_t C,
                      Py_ssize_t inner, const double *center, const double *scale,
                      const double *shift, const double *act, int nthreads)
    int fa_norm_forward_eval(int dt, const void *x, void *y, Py_ssize_t outer, Py_ssize_t C,
                             Py_ssize_t inner, const double *mean, const double *var,
                             const double *w, const double *b, double eps, const double *act,
                             double *invstd, int nthreads)
    int fa_norm_forward_train(int dt, const void *x, void *y, Py_ssize_t outer, Py_ssize_t C,
                              Py_ssize_t inner, const double *w, const double *b, double eps,
                              const double *act, double *mean, double *var, double *invstd,
                              int nthreads)
    int fa_norm_backward(int dt, const void *dy, const void *x, void *dx, Py_ssize_t outer,
                         Py_ssize_t C, Py_ssize_t inner, const double *mean,
                         const double *invstd, const double *w, const double *b,
                         const double *act, int training, double *gw, double *gb, int nthreads)
    int fa_norm_bwd_reduce(int dt, const void *dy, const void *x, Py_ssize_t outer, Py_ssize_t C,
                           Py_ssize_t inner, const double *center, const double *scale,
                           const double *shift, const double *act, double *A, double *B,
                           int nthreads)
    int fa_norm_bwd_apply(int dt, const void *dy, const void *x, void *dx, Py_ssize_t outer,
                          Py_ssize_t C, Py_ssize_t inner, const double *center,
                          const double *scale, const double *shift, const double *act,
                          const double *k, const double *q, const double *r, int nthreads)
    int fa_layer_norm_forward(int dt, const void *x, void *y, Py_ssize_t rows, Py_ssize_t D,
                              const void *w, const void *b, double eps, double *mean,
                              double *invstd, int nthreads)
    int fa_layer_norm_backward(int dt, const void *dy, const void *x, void *dx, Py_ssize_t rows,
                               Py_ssize_t D, const double *mean, const double *invstd,
                               const void *w, double *gw, double *gb, int nthreads)


cdef int _norm_data(cnp.ndarray a, Py_ssize_t size, int dt) except -1:
    """Check a prepared data array; return its dtype index (dt < 0: any native float)."""
    cdef int d = _dtype_index(a)
    if d < 0 or (dt >= 0 and d != dt) or not _plain(a) or cnp.PyArray_SIZE(a) != size:
        raise RuntimeError("normalization launcher: data array not prepared")
    return d


cdef double *_norm_vec(object a, Py_ssize_t n) except? NULL:
    """Pointer to a prepared float64 vector of n elements, or NULL for None."""
    cdef cnp.ndarray v
    if a is None:
        return NULL
    v = <cnp.ndarray?>a
    if _dtype_index(v) != FA_F64 or not _plain(v) or cnp.PyArray_SIZE(v) != n:
        raise RuntimeError("normalization launcher: parameter vector not prepared")
    return <double *>cnp.PyArray_DATA(v)


cdef const double *_norm_act(object act, double *buf) except? NULL:
    """The fused activation (lo, hi, slope) in buf, or NULL for None."""
    if act is None:
        return NULL
    buf[0] = act[0]
    buf[1] = act[1]
    buf[2] = act[2]
    return buf


cdef inline void *_ptr(cnp.ndarray a) noexcept:
    return cnp.PyArray_DATA(a)


cdef inline cnp.ndarray _vec(Py_ssize_t n):
    cdef cnp.npy_intp dims[1]
    dims[0] = n
    return cnp.PyArray_EMPTY(1, dims, cnp.NPY_FLOAT64, 0)


cdef inline int _check_rc(int rc) except -1:
    if rc != 0:
        raise MemoryError("fastact: could not allocate the normalization workspace")
    return 0


def norm_stats(cnp.ndarray x, Py_ssize_t outer, Py_ssize_t C, Py_ssize_t inner):
    """(mean, m2) per channel of x viewed as (outer, C, inner), float64."""
    cdef int dt = _norm_data(x, outer * C * inner, -1)
    cdef cnp.ndarray mean = _vec(C), m2 = _vec(C)
    cdef int nt = _effective_threads(), rc
    cdef void *p_m2 = _ptr(m2)
    cdef void *p_mean = _ptr(mean)
    cdef void *p_x = _ptr(x)
    with nogil:
        rc = fa_norm_stats(dt, p_x, outer, C, inner, <double *>p_mean,
                           <double *>p_m2, nt)
    _check_rc(rc)
    return mean, m2


cdef bint _stats_merge(cnp.ndarray x, Py_ssize_t outer, Py_ssize_t C, Py_ssize_t inner,
                       double count, cnp.ndarray mean, cnp.ndarray m2) except -1:
    cdef int dt = _dtype_index(x)
    cdef int sdt = _dtype_index(mean)
    cdef int nt, rc
    if dt < 0 or not _plain(x) or cnp.PyArray_SIZE(x) != outer * C * inner:
        return False
    if sdt < 0 or _dtype_index(m2) != sdt or not (_plain(mean) and _plain(m2)) \
            or cnp.PyArray_SIZE(mean) != C or cnp.PyArray_SIZE(m2) != C:
        raise RuntimeError("norm_stats_merge: state arrays not prepared")
    nt = _effective_threads()
    cdef void *p_x = _ptr(x)
    cdef void *p_mean = _ptr(mean)
    cdef void *p_m2 = _ptr(m2)
    with nogil:
        rc = fa_norm_stats_merge(dt, p_x, outer, C, inner, sdt, count, p_mean, p_m2, nt)
    _check_rc(rc)
    return True


def norm_stats_merge(cnp.ndarray x, Py_ssize_t outer, Py_ssize_t C, Py_ssize_t inner,
                     double count, cnp.ndarray mean, cnp.ndarray m2):
    """Merge the statistics of x viewed as (outer, C, inner) into the state (count, mean, m2)
    in place (Chan; mean and m2 float32 or float64 vectors of C). Returns False, changing
    nothing, when x is not a native float32/float64 C-contiguous aligned array of that size."""
    return _stats_merge(x, outer, C, inner, count, mean, m2)


cdef enum:
    _STATS_MAXDIM = 8


cdef class RunningStatsCore:
    """The compiled state behind fastact.RunningStats: count, mean and m2 per feature, and the
    layout (outer, C, inner) of the last batch shape the Python path validated, so that a
    repeated C-contiguous float batch is reduced and merged without going through Python."""
    cdef public long long _count
    cdef public cnp.ndarray _mean, _m2
    cdef int _ndim  # of the remembered shape; -1: none
    cdef Py_ssize_t _shape[_STATS_MAXDIM]
    cdef Py_ssize_t _outer, _C, _inner

    def __cinit__(self, *args, **kwargs):
        self._ndim = -1

    def _remember(self, tuple shape, Py_ssize_t outer, Py_ssize_t C, Py_ssize_t inner):
        """Remember a validated batch shape and its layout for update's compiled path."""
        cdef int k
        self._ndim = -1
        if len(shape) > _STATS_MAXDIM:
            return
        for k in range(len(shape)):
            self._shape[k] = shape[k]
        self._outer, self._C, self._inner = outer, C, inner
        self._ndim = len(shape)

    cdef bint _known(self, cnp.ndarray x) noexcept:
        cdef int k
        if cnp.PyArray_NDIM(x) != self._ndim:
            return False
        for k in range(self._ndim):
            if cnp.PyArray_DIM(x, k) != self._shape[k]:
                return False
        return True

    def update(self, batch):
        """Add a batch (any real dtype; the features along the non-reduced axes); returns self.

        One compiled call computes the batch statistics (block Welford, float64) and merges
        them into the state (Chan)."""
        cdef cnp.ndarray x
        if type(batch) is cnp.ndarray:
            x = <cnp.ndarray>batch
            if self._known(x) and _stats_merge(
                    x, self._outer, self._C, self._inner, <double>self._count, self._mean,
                    self._m2):
                self._count += self._outer * self._inner
                return self
        return self._update(batch)


def norm_apply(cnp.ndarray x, cnp.ndarray y, Py_ssize_t outer, Py_ssize_t C, Py_ssize_t inner,
               center, scale, shift, act):
    """y = act((x - center) * scale + shift) per channel."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _norm_data(x, n, -1)
    cdef double abuf[3]
    cdef const double *a = _norm_act(act, abuf)
    cdef const double *pc = _norm_vec(center, C)
    cdef const double *ps = _norm_vec(scale, C)
    cdef const double *pb = _norm_vec(shift, C)
    cdef int nt = _effective_threads(), rc
    _norm_data(y, n, dt)
    cdef void *p_x = _ptr(x)
    cdef void *p_y = _ptr(y)
    with nogil:
        rc = fa_norm_apply(dt, p_x, p_y, outer, C, inner, pc, ps, pb, a, nt)
    _check_rc(rc)


def norm_forward_eval(cnp.ndarray x, cnp.ndarray y, Py_ssize_t outer, Py_ssize_t C,
                      Py_ssize_t inner, mean, var, weight, bias, double eps, act):
    """y = act((x - mean) * invstd * weight + bias) per channel; returns invstd (float64)."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _norm_data(x, n, -1)
    cdef double abuf[3]
    cdef const double *a = _norm_act(act, abuf)
    cdef const double *pm = _norm_vec(mean, C)
    cdef const double *pv = _norm_vec(var, C)
    cdef const double *pw = _norm_vec(weight, C)
    cdef const double *pb = _norm_vec(bias, C)
    cdef cnp.ndarray invstd = _vec(C)
    cdef int nt = _effective_threads(), rc
    _norm_data(y, n, dt)
    if pm == NULL or pv == NULL:
        raise RuntimeError("normalization launcher: running statistics missing")
    cdef void *p_x = _ptr(x)
    cdef void *p_y = _ptr(y)
    cdef void *p_i = _ptr(invstd)
    with nogil:
        rc = fa_norm_forward_eval(dt, p_x, p_y, outer, C, inner, pm, pv, pw, pb, eps, a,
                                  <double *>p_i, nt)
    _check_rc(rc)
    return invstd


def norm_forward_train(cnp.ndarray x, cnp.ndarray y, Py_ssize_t outer, Py_ssize_t C,
                       Py_ssize_t inner, weight, bias, double eps, act):
    """Batch statistics and y; returns (mean, biased var, invstd), float64."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _norm_data(x, n, -1)
    cdef double abuf[3]
    cdef const double *a = _norm_act(act, abuf)
    cdef const double *pw = _norm_vec(weight, C)
    cdef const double *pb = _norm_vec(bias, C)
    cdef cnp.ndarray mean = _vec(C), var = _vec(C), invstd = _vec(C)
    cdef int nt = _effective_threads(), rc
    _norm_data(y, n, dt)
    cdef void *p_invstd = _ptr(invstd)
    cdef void *p_mean = _ptr(mean)
    cdef void *p_var = _ptr(var)
    cdef void *p_x = _ptr(x)
    cdef void *p_y = _ptr(y)
    with nogil:
        rc = fa_norm_forward_train(dt, p_x, p_y, outer, C, inner, pw, pb, eps, a,
                                   <double *>p_mean, <double *>p_var,
                                   <double *>p_invstd, nt)
    _check_rc(rc)
    return mean, var, invstd


def norm_backward(cnp.ndarray dy, cnp.ndarray x, cnp.ndarray dx, Py_ssize_t outer, Py_ssize_t C,
                  Py_ssize_t inner, mean, invstd, weight, bias, act, bint training):
    """dx written; returns (grad_weight, grad_bias) = (sum dv * x_hat, sum dv), float64."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _norm_data(x, n, -1)
    cdef double abuf[3]
    cdef const double *a = _norm_act(act, abuf)
    cdef const double *pm = _norm_vec(mean, C)
    cdef const double *pi = _norm_vec(invstd, C)
    cdef const double *pw = _norm_vec(weight, C)
    cdef const double *pb = _norm_vec(bias, C)
    cdef cnp.ndarray gw = _vec(C), gb = _vec(C)
    cdef int nt = _effective_threads(), rc
    _norm_data(dy, n, dt)
    _norm_data(dx, n, dt)
    if pm == NULL or pi == NULL:
        raise RuntimeError("normalization launcher: statistics missing")
    cdef void *p_dx = _ptr(dx)
    cdef void *p_dy = _ptr(dy)
    cdef void *p_gb = _ptr(gb)
    cdef void *p_gw = _ptr(gw)
    cdef void *p_x = _ptr(x)
    with nogil:
        rc = fa_norm_backward(dt, p_dy, p_x, p_dx, outer, C, inner, pm, pi, pw, pb,
                              a, training, <double *>p_gw, <double *>p_gb, nt)
    _check_rc(rc)
    return gw, gb


def norm_bwd_reduce(cnp.ndarray dy, cnp.ndarray x, Py_ssize_t outer, Py_ssize_t C,
                    Py_ssize_t inner, center, scale, shift, act):
    """(A, B) = (sum dv, sum dv * (x - center)) per channel, float64."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _norm_data(x, n, -1)
    cdef double abuf[3]
    cdef const double *a = _norm_act(act, abuf)
    cdef const double *pc = _norm_vec(center, C)
    cdef const double *ps = _norm_vec(scale, C)
    cdef const double *pb = _norm_vec(shift, C)
    cdef cnp.ndarray A = _vec(C), B = _vec(C)
    cdef int nt = _effective_threads(), rc
    _norm_data(dy, n, dt)
    cdef void *p_A = _ptr(A)
    cdef void *p_B = _ptr(B)
    cdef void *p_dy = _ptr(dy)
    cdef void *p_x = _ptr(x)
    with nogil:
        rc = fa_norm_bwd_reduce(dt, p_dy, p_x, outer, C, inner, pc, ps, pb, a,
                                <double *>p_A, <double *>p_B, nt)
    _check_rc(rc)
    return A, B


def norm_bwd_apply(cnp.ndarray dy, cnp.ndarray x, cnp.ndarray dx, Py_ssize_t outer,
                   Py_ssize_t C, Py_ssize_t inner, center, scale, shift, act, k, q, r):
    """dx = dv * k + (x - center) * q + r per channel."""
    cdef Py_ssize_t n = outer * C * inner
    cdef int dt = _norm_data(x, n, -1)
    cdef double abuf[3]
    cdef const double *a = _norm_act(act, abuf)
    cdef const double *pc = _norm_vec(center, C)
    cdef const double *ps = _norm_vec(scale, C)
    cdef const double *pb = _norm_vec(shift, C)
    cdef const double *pk = _norm_vec(k, C)
    cdef const double *pq = _norm_vec(q, C)
    cdef const double *pr = _norm_vec(r, C)
    cdef int nt = _effective_threads(), rc
    _norm_data(dy, n, dt)
    _norm_data(dx, n, dt)
    cdef void *p_dx = _ptr(dx)
    cdef void *p_dy = _ptr(dy)
    cdef void *p_x = _ptr(x)
    with nogil:
        rc = fa_norm_bwd_apply(dt, p_dy, p_x, p_dx, outer, C, inner, pc, ps, pb, a,
                               pk, pq, pr, nt)
    _check_rc(rc)


def layer_norm_forward(cnp.ndarray x, cnp.ndarray y, Py_ssize_t rows, Py_ssize_t D, weight,
                       bias, double eps):
    """LayerNorm over the last axis of (rows, D); weight/bias of x's dtype or None.
    Returns (mean, invstd), float64."""
    cdef int dt = _norm_data(x, rows * D, -1)
    cdef const void *pw = NULL
    cdef const void *pb = NULL
    cdef cnp.ndarray mean = _vec(rows), invstd = _vec(rows)
    cdef int nt = _effective_threads(), rc
    _norm_data(y, rows * D, dt)
    if weight is not None:
        _norm_data(weight, D, dt)
        pw = _ptr(weight)
    if bias is not None:
        _norm_data(bias, D, dt)
        pb = _ptr(bias)
    cdef void *p_invstd = _ptr(invstd)
    cdef void *p_mean = _ptr(mean)
    cdef void *p_x = _ptr(x)
    cdef void *p_y = _ptr(y)
    with nogil:
        rc = fa_layer_norm_forward(dt, p_x, p_y, rows, D, pw, pb, eps,
                                   <double *>p_mean, <double *>p_invstd, nt)
    _check_rc(rc)
    return mean, invstd


def layer_norm_backward(cnp.ndarray dy, cnp.ndarray x, cnp.ndarray dx, Py_ssize_t rows,
                        Py_ssize_t D, mean, invstd, weight):
    """dx written; returns (grad_weight, grad_bias) over D, float64."""
    cdef int dt = _norm_data(x, rows * D, -1)
    cdef const double *pm = _norm_vec(mean, rows)
    cdef const double *pi = _norm_vec(invstd, rows)
    cdef const void *pw = NULL
    cdef cnp.ndarray gw = _vec(D), gb = _vec(D)
    cdef int nt = _effective_threads(), rc
    _norm_data(dy, rows * D, dt)
    _norm_data(dx, rows * D, dt)
    if weight is not None:
        _norm_data(weight, D, dt)
        pw = _ptr(weight)
    if rows > 0 and (pm == NULL or pi == NULL):
        raise RuntimeError("normalization launcher: statistics missing")
    cdef void *p_dx = _ptr(dx)
    cdef void *p_dy = _ptr(dy)
    cdef void *p_gb = _ptr(gb)
    cdef void *p_gw = _ptr(gw)
    cdef void *p_x = _ptr(x)
    with nogil:
        rc = fa_layer_norm_backward(dt, p_dy, p_x, p_dx, rows, D, pm, pi, pw,
                                    <double *>p_gw, <double *>p_gb, nt)
    _check_rc(rc)
    return gw, gb
