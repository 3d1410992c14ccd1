/* Normalization loops, written once over T (float or double). fa_norm.c includes this file once
 * per dtype with T and SFX defined; FN(name) names the instance. Every reduction order is
 * written out (lanes, row groups), never left to the vectorizer, and no loop here carries a
 * scalar accumulator, so every ISA level computes the same bits. Conventions: fa_norm.h. */

#define L FA_NORM_LANES

/* ---------------------------------------------------------------- activation */
static inline T FN(act_f)(T v, T lo, T hi, T sl)
{
    T a = v < (T)0 ? v * sl : v;
    a = a < lo ? lo : a;
    return a > hi ? hi : a;
}

static inline T FN(act_d)(T v, T lo, T hi, T sl)
{
    T g = v > (T)0 ? (T)1 : sl;
    int off = (v <= lo) | (v >= hi);
    return off ? (T)0 : g;
}

#define FA_ACT_LOAD                                                                           \
    T lo = (T)0, hi = (T)0, sl = (T)1;                                                        \
    if (act) {                                                                                \
        lo = (T)act[0];                                                                       \
        hi = (T)act[1];                                                                       \
        sl = (T)act[2];                                                                       \
    }

/* Fixed pairwise reduction of L lanes into lane 0. */
static inline void FN(lanes_reduce)(double *a)
{
    for (int w = L / 2; w > 0; w /= 2)
        for (int j = 0; j < w; j++)
            a[j] += a[j + w];
}

/* ---------------------------------------------------------------- statistics */
/* Shifted sums of one lane block: a1[j] += d, a2[j] += d * d with d = x - K in double. */
#define FA_STATS_LANES(x, i, K, a1, a2)                                                       \
    _Pragma("omp simd") for (int j = 0; j < L; j++)                                           \
    {                                                                                         \
        double d_ = (double)(x)[(i) + j] - (K);                                               \
        (a1)[j] += d_;                                                                        \
        (a2)[j] += d_ * d_;                                                                   \
    }
#define FA_STATS_TAIL(x, i, n, K, a1, a2)                                                     \
    for (int j = 0; j < (n) - (i); j++) {                                                     \
        double d_ = (double)(x)[(i) + j] - (K);                                               \
        (a1)[j] += d_;                                                                        \
        (a2)[j] += d_ * d_;                                                                   \
    }

/* (mean, M2) from the lanes of a leaf of n elements shifted by K */
static inline void FN(stats_finish)(double *a1, double *a2, double K, ptrdiff_t n, double *res)
{
    FN(lanes_reduce)(a1);
    FN(lanes_reduce)(a2);
    double dn = (double)n;
    double m2 = a2[0] - a1[0] * (a1[0] / dn);
    res[0] = K + a1[0] / dn;
    res[1] = m2 < 0.0 ? 0.0 : m2;
}

static void FN(run_stats)(const void *xv, ptrdiff_t n, double *res)
{
    const T *restrict x = (const T *)xv;
    const double K = (double)x[0];
    double a1[L], a2[L];
    for (int j = 0; j < L; j++)
        a1[j] = a2[j] = 0.0;
    ptrdiff_t i = 0;
    for (; i + L <= n; i += L)
        FA_STATS_LANES(x, i, K, a1, a2)
    FA_STATS_TAIL(x, i, n, K, a1, a2)
    FN(stats_finish)(a1, a2, K, n, res);
}

static void FN(col_stats)(const void *xv, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld,
                          double *restrict mean, double *restrict m2, double *work)
{
    const T *x = (const T *)xv;
    double *restrict K = work;
    double *restrict s1 = work + nc;
    double *restrict s2 = work + 2 * nc;
    double na = 0.0;
    for (ptrdiff_t r0 = 0; r0 < rows; r0 += FA_NORM_LEAF_ROWS) {
        ptrdiff_t nr = rows - r0 < FA_NORM_LEAF_ROWS ? rows - r0 : FA_NORM_LEAF_ROWS;
        const T *restrict xb = x + r0 * ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            K[j] = (double)xb[j];
            s1[j] = 0.0;
            s2[j] = 0.0;
        }
        ptrdiff_t r = 1; /* row 0 is the shift: its d is 0 */
        for (; r + 4 <= nr; r += 4) {
            const T *restrict x0 = xb + r * ld;
            const T *restrict x1 = x0 + ld;
            const T *restrict x2 = x1 + ld;
            const T *restrict x3 = x2 + ld;
            _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
            {
                double d0 = (double)x0[j] - K[j], d1 = (double)x1[j] - K[j];
                double d2 = (double)x2[j] - K[j], d3 = (double)x3[j] - K[j];
                s1[j] += (d0 + d1) + (d2 + d3);
                s2[j] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);
            }
        }
        for (; r < nr; r++) {
            const T *restrict x0 = xb + r * ld;
            _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
            {
                double d0 = (double)x0[j] - K[j];
                s1[j] += d0;
                s2[j] += d0 * d0;
            }
        }
        double nb = (double)nr;
        if (na == 0.0) {
            _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
            {
                double v = s2[j] - s1[j] * (s1[j] / nb);
                mean[j] = K[j] + s1[j] / nb;
                m2[j] = v < 0.0 ? 0.0 : v;
            }
        } else {
            /* fa_chan_merge, per column */
            double n = na + nb, fb = nb / n, fab = na * fb;
            _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
            {
                double v = s2[j] - s1[j] * (s1[j] / nb);
                double mb = K[j] + s1[j] / nb;
                double d = mb - mean[j];
                mean[j] = mean[j] + d * fb;
                m2[j] = m2[j] + (v < 0.0 ? 0.0 : v) + d * d * fab;
            }
        }
        na += nb;
    }
}

/* ---------------------------------------------------------------- forward */
static inline __attribute__((always_inline)) void FN(run_apply_body)(
    const T *restrict x, T *restrict y, ptrdiff_t n, T mh, T ml, T s, T b, const double *act,
    const int has_act)
{
    FA_ACT_LOAD
    if (x == y) {
        /* in place: the same loop without restrict */
        T *xy = y;
        _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)
        {
            T v = ((xy[i] - mh) - ml) * s + b;
            xy[i] = has_act ? FN(act_f)(v, lo, hi, sl) : v;
        }
        return;
    }
    _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)
    {
        T v = ((x[i] - mh) - ml) * s + b;
        y[i] = has_act ? FN(act_f)(v, lo, hi, sl) : v;
    }
}

static void FN(run_apply)(const void *x, void *y, ptrdiff_t n, const double *p, const double *act)
{
    T mh = (T)p[FA_NP_MH], ml = (T)p[FA_NP_ML], s = (T)p[FA_NP_S], b = (T)p[FA_NP_B];
    if (act)
        FN(run_apply_body)((const T *)x, (T *)y, n, mh, ml, s, b, act, 1);
    else
        FN(run_apply_body)((const T *)x, (T *)y, n, mh, ml, s, b, act, 0);
}

static inline __attribute__((always_inline)) void FN(col_apply_body)(
    const T *x, T *y, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld, const T *prm, ptrdiff_t pld,
    const double *act, const int has_act)
{
    FA_ACT_LOAD
    const T *restrict mh = prm + FA_NP_MH * pld;
    const T *restrict ml = prm + FA_NP_ML * pld;
    const T *restrict s = prm + FA_NP_S * pld;
    const T *restrict b = prm + FA_NP_B * pld;
    ptrdiff_t r = 0;
    /* four rows per sweep, so each parameter is loaded once for four elements; x and y are
     * either identical or disjoint: each element is read before it is written */
    for (; r + 4 <= rows; r += 4) {
        const T *x0 = x + r * ld, *x1 = x0 + ld, *x2 = x1 + ld, *x3 = x2 + ld;
        T *y0 = y + r * ld, *y1 = y0 + ld, *y2 = y1 + ld, *y3 = y2 + ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            T v0 = ((x0[j] - mh[j]) - ml[j]) * s[j] + b[j];
            T v1 = ((x1[j] - mh[j]) - ml[j]) * s[j] + b[j];
            T v2 = ((x2[j] - mh[j]) - ml[j]) * s[j] + b[j];
            T v3 = ((x3[j] - mh[j]) - ml[j]) * s[j] + b[j];
            y0[j] = has_act ? FN(act_f)(v0, lo, hi, sl) : v0;
            y1[j] = has_act ? FN(act_f)(v1, lo, hi, sl) : v1;
            y2[j] = has_act ? FN(act_f)(v2, lo, hi, sl) : v2;
            y3[j] = has_act ? FN(act_f)(v3, lo, hi, sl) : v3;
        }
    }
    for (; r < rows; r++) {
        const T *xr = x + r * ld;
        T *yr = y + r * ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            T v = ((xr[j] - mh[j]) - ml[j]) * s[j] + b[j];
            yr[j] = has_act ? FN(act_f)(v, lo, hi, sl) : v;
        }
    }
}

static void FN(col_apply)(const void *x, void *y, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld,
                          const void *prm, ptrdiff_t pld, const double *act)
{
    if (act)
        FN(col_apply_body)((const T *)x, (T *)y, rows, nc, ld, (const T *)prm, pld, act, 1);
    else
        FN(col_apply_body)((const T *)x, (T *)y, rows, nc, ld, (const T *)prm, pld, act, 0);
}

/* ---------------------------------------------------------------- backward */
static inline __attribute__((always_inline)) void FN(run_bwd_sums_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t n, double center, const double *p,
    const double *act, double *res, const int has_act, const int write)
{
    FA_ACT_LOAD
    T mh = (T)p[FA_NP_MH], ml = (T)p[FA_NP_ML], s = (T)p[FA_NP_S], b = (T)p[FA_NP_B];
    T k = (T)p[FA_NP_K];
    double a1[L], a2[L];
    for (int j = 0; j < L; j++)
        a1[j] = a2[j] = 0.0;
    ptrdiff_t i = 0;
    for (; i + L <= n; i += L) {
        _Pragma("omp simd") for (int j = 0; j < L; j++) {
            T xi = x[i + j];
            T dv = dy[i + j];
            if (has_act)
                dv = dv * FN(act_d)(((xi - mh) - ml) * s + b, lo, hi, sl);
            if (write)
                dx[i + j] = dv * k;
            a1[j] += (double)dv;
            a2[j] += (double)dv * ((double)xi - center);
        }
    }
    for (int j = 0; j < n - i; j++) {
        T xi = x[i + j];
        T dv = dy[i + j];
        if (has_act)
            dv = dv * FN(act_d)(((xi - mh) - ml) * s + b, lo, hi, sl);
        if (write)
            dx[i + j] = dv * k;
        a1[j] += (double)dv;
        a2[j] += (double)dv * ((double)xi - center);
    }
    FN(lanes_reduce)(a1);
    FN(lanes_reduce)(a2);
    res[0] = a1[0];
    res[1] = a2[0];
}

static void FN(run_bwd_sums)(const void *dy, const void *x, void *dx, ptrdiff_t n, double center,
                             const double *p, const double *act, double *res)
{
    const T *g = (const T *)dy, *xx = (const T *)x;
    T *o = (T *)dx;
    if (act) {
        if (dx)
            FN(run_bwd_sums_body)(g, xx, o, n, center, p, act, res, 1, 1);
        else
            FN(run_bwd_sums_body)(g, xx, o, n, center, p, act, res, 1, 0);
    } else {
        if (dx)
            FN(run_bwd_sums_body)(g, xx, o, n, center, p, act, res, 0, 1);
        else
            FN(run_bwd_sums_body)(g, xx, o, n, center, p, act, res, 0, 0);
    }
}

static inline __attribute__((always_inline)) T FN(col_dv)(T g, T xi, T mh, T ml, T s, T b, T lo,
                                                          T hi, T sl, const int has_act)
{
    return has_act ? g * FN(act_d)(((xi - mh) - ml) * s + b, lo, hi, sl) : g;
}

static inline __attribute__((always_inline)) void FN(col_bwd_sums_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld,
    const double *restrict center, const T *prm, ptrdiff_t pld, const double *act,
    double *restrict A, double *restrict B, const int has_act, const int write)
{
    FA_ACT_LOAD
    const T *restrict mh = prm + FA_NP_MH * pld;
    const T *restrict ml = prm + FA_NP_ML * pld;
    const T *restrict s = prm + FA_NP_S * pld;
    const T *restrict b = prm + FA_NP_B * pld;
    const T *restrict k = prm + FA_NP_K * pld;
    _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++) A[j] = B[j] = 0.0;
    ptrdiff_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const T *x0 = x + r * ld, *x1 = x0 + ld, *x2 = x1 + ld, *x3 = x2 + ld;
        const T *g0 = dy + r * ld, *g1 = g0 + ld, *g2 = g1 + ld, *g3 = g2 + ld;
        T *o0 = dx + r * ld, *o1 = o0 + ld, *o2 = o1 + ld, *o3 = o2 + ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            T v0 = FN(col_dv)(g0[j], x0[j], mh[j], ml[j], s[j], b[j], lo, hi, sl, has_act);
            T v1 = FN(col_dv)(g1[j], x1[j], mh[j], ml[j], s[j], b[j], lo, hi, sl, has_act);
            T v2 = FN(col_dv)(g2[j], x2[j], mh[j], ml[j], s[j], b[j], lo, hi, sl, has_act);
            T v3 = FN(col_dv)(g3[j], x3[j], mh[j], ml[j], s[j], b[j], lo, hi, sl, has_act);
            double c = center[j];
            double e0 = (double)v0 * ((double)x0[j] - c), e1 = (double)v1 * ((double)x1[j] - c);
            double e2 = (double)v2 * ((double)x2[j] - c), e3 = (double)v3 * ((double)x3[j] - c);
            A[j] += ((double)v0 + (double)v1) + ((double)v2 + (double)v3);
            B[j] += (e0 + e1) + (e2 + e3);
            if (write) {
                o0[j] = v0 * k[j];
                o1[j] = v1 * k[j];
                o2[j] = v2 * k[j];
                o3[j] = v3 * k[j];
            }
        }
    }
    for (; r < rows; r++) {
        const T *x0 = x + r * ld, *g0 = dy + r * ld;
        T *o0 = dx + r * ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            T v0 = FN(col_dv)(g0[j], x0[j], mh[j], ml[j], s[j], b[j], lo, hi, sl, has_act);
            A[j] += (double)v0;
            B[j] += (double)v0 * ((double)x0[j] - center[j]);
            if (write)
                o0[j] = v0 * k[j];
        }
    }
}

static void FN(col_bwd_sums)(const void *dy, const void *x, void *dx, ptrdiff_t rows,
                             ptrdiff_t nc, ptrdiff_t ld, const double *center, const void *prm,
                             ptrdiff_t pld, const double *act, double *A, double *B)
{
    const T *g = (const T *)dy, *xx = (const T *)x, *pp = (const T *)prm;
    T *o = (T *)dx;
    if (act) {
        if (dx)
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, center, pp, pld, act, A, B, 1, 1);
        else
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, center, pp, pld, act, A, B, 1, 0);
    } else {
        if (dx)
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, center, pp, pld, act, A, B, 0, 1);
        else
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, center, pp, pld, act, A, B, 0, 0);
    }
}

static inline __attribute__((always_inline)) void FN(run_bwd_apply_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t n, const double *p, const double *act,
    const int has_act)
{
    FA_ACT_LOAD
    T mh = (T)p[FA_NP_MH], ml = (T)p[FA_NP_ML], s = (T)p[FA_NP_S], b = (T)p[FA_NP_B];
    T k = (T)p[FA_NP_K], q = (T)p[FA_NP_Q], r = (T)p[FA_NP_R];
    _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)
    {
        T xi = x[i];
        T d = (xi - mh) - ml;
        T dv = dy[i];
        if (has_act)
            dv = dv * FN(act_d)(d * s + b, lo, hi, sl);
        dx[i] = (dv * k + d * q) + r;
    }
}

static void FN(run_bwd_apply)(const void *dy, const void *x, void *dx, ptrdiff_t n,
                              const double *p, const double *act)
{
    if (act)
        FN(run_bwd_apply_body)((const T *)dy, (const T *)x, (T *)dx, n, p, act, 1);
    else
        FN(run_bwd_apply_body)((const T *)dy, (const T *)x, (T *)dx, n, p, act, 0);
}

static inline __attribute__((always_inline)) void FN(col_bwd_apply_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld, const T *prm,
    ptrdiff_t pld, const double *act, const int has_act)
{
    FA_ACT_LOAD
    const T *restrict mh = prm + FA_NP_MH * pld;
    const T *restrict ml = prm + FA_NP_ML * pld;
    const T *restrict s = prm + FA_NP_S * pld;
    const T *restrict b = prm + FA_NP_B * pld;
    const T *restrict k = prm + FA_NP_K * pld;
    const T *restrict q = prm + FA_NP_Q * pld;
    const T *restrict rr = prm + FA_NP_R * pld;
    ptrdiff_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const T *x0 = x + r * ld, *x1 = x0 + ld, *g0 = dy + r * ld, *g1 = g0 + ld;
        T *o0 = dx + r * ld, *o1 = o0 + ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            T d0 = (x0[j] - mh[j]) - ml[j], d1 = (x1[j] - mh[j]) - ml[j];
            T v0 = g0[j], v1 = g1[j];
            if (has_act) {
                v0 = v0 * FN(act_d)(d0 * s[j] + b[j], lo, hi, sl);
                v1 = v1 * FN(act_d)(d1 * s[j] + b[j], lo, hi, sl);
            }
            o0[j] = (v0 * k[j] + d0 * q[j]) + rr[j];
            o1[j] = (v1 * k[j] + d1 * q[j]) + rr[j];
        }
    }
    for (; r < rows; r++) {
        const T *xr = x + r * ld, *gr = dy + r * ld;
        T *orow = dx + r * ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            T d = (xr[j] - mh[j]) - ml[j];
            T dv = gr[j];
            if (has_act)
                dv = dv * FN(act_d)(d * s[j] + b[j], lo, hi, sl);
            orow[j] = (dv * k[j] + d * q[j]) + rr[j];
        }
    }
}

static void FN(col_bwd_apply)(const void *dy, const void *x, void *dx, ptrdiff_t rows,
                              ptrdiff_t nc, ptrdiff_t ld, const void *prm, ptrdiff_t pld,
                              const double *act)
{
    if (act)
        FN(col_bwd_apply_body)((const T *)dy, (const T *)x, (T *)dx, rows, nc, ld,
                               (const T *)prm, pld, act, 1);
    else
        FN(col_bwd_apply_body)((const T *)dy, (const T *)x, (T *)dx, rows, nc, ld,
                               (const T *)prm, pld, act, 0);
}

/* ---------------------------------------------------------------- LayerNorm rows */
static void FN(ln_apply)(const void *xv, void *yv, ptrdiff_t n, const double *p, const void *wv,
                         const void *bv)
{
    const T *x = (const T *)xv;
    T *y = (T *)yv;
    const T *restrict w = (const T *)wv;
    const T *restrict b = (const T *)bv;
    T mh = (T)p[0], ml = (T)p[1], s = (T)p[2];
    /* x and y are either identical or disjoint */
    _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)
        y[i] = (((x[i] - mh) - ml) * s) * w[i] + b[i];
}

/* run_stats of xs[0..n) and ln_apply of xa -> ya (another row of n elements) in one loop:
 * the memory traffic of one stream overlaps the arithmetic of the other. The statistics are
 * bit-identical to run_stats. */
static void FN(ln_stats_apply)(const void *xsv, ptrdiff_t n, double *res, const void *xav,
                               void *yav, const double *p, const void *wv, const void *bv)
{
    const T *restrict xs = (const T *)xsv;
    const T *xa = (const T *)xav;
    T *ya = (T *)yav;
    const T *restrict w = (const T *)wv;
    const T *restrict b = (const T *)bv;
    T mh = (T)p[0], ml = (T)p[1], s = (T)p[2];
    const double K = (double)xs[0];
    double a1[L], a2[L];
    for (int j = 0; j < L; j++)
        a1[j] = a2[j] = 0.0;
    ptrdiff_t i = 0;
    for (; i + L <= n; i += L) {
        FA_STATS_LANES(xs, i, K, a1, a2)
        _Pragma("omp simd") for (int j = 0; j < L; j++)
            ya[i + j] = (((xa[i + j] - mh) - ml) * s) * w[i + j] + b[i + j];
    }
    FA_STATS_TAIL(xs, i, n, K, a1, a2)
    for (; i < n; i++)
        ya[i] = (((xa[i] - mh) - ml) * s) * w[i] + b[i];
    FN(stats_finish)(a1, a2, K, n, res);
}

static void FN(ln_bwd)(const void *dyv, const void *xv, void *dxv, ptrdiff_t n, const double *p,
                       const void *wv, double *restrict gw, double *restrict gb)
{
    const T *dy = (const T *)dyv;
    const T *x = (const T *)xv;
    T *dx = (T *)dxv;
    const T *restrict w = (const T *)wv;
    const double mean = p[0], invstd = p[3];
    const T mh = (T)p[1], ml = (T)p[2];
    double a1[L], a2[L];
    for (int j = 0; j < L; j++)
        a1[j] = a2[j] = 0.0;
    ptrdiff_t i = 0;
    for (; i + L <= n; i += L) {
        _Pragma("omp simd") for (int j = 0; j < L; j++) {
            T g = dy[i + j] * w[i + j];
            a1[j] += (double)g;
            a2[j] += (double)g * ((double)x[i + j] - mean);
        }
    }
    for (int j = 0; j < n - i; j++) {
        T g = dy[i + j] * w[i + j];
        a1[j] += (double)g;
        a2[j] += (double)g * ((double)x[i + j] - mean);
    }
    FN(lanes_reduce)(a1);
    FN(lanes_reduce)(a2);
    double dn = (double)n;
    T k = (T)invstd;
    T q = (T)(-(invstd * invstd * invstd) * (a2[0] / dn));
    T r = (T)(-invstd * (a1[0] / dn));
    /* dy, x, dx: dx may be identical to dy or x (elementwise, read before written) */
    _Pragma("omp simd") for (ptrdiff_t t = 0; t < n; t++)
    {
        T xi = x[t], gi = dy[t];
        T d = (xi - mh) - ml;
        gw[t] += (double)gi * (((double)xi - mean) * invstd);
        gb[t] += (double)gi;
        dx[t] = ((gi * w[t]) * k + d * q) + r;
    }
}

#undef L
#undef FA_STATS_LANES
#undef FA_STATS_TAIL
