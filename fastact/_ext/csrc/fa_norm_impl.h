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

/* Elements before the first cache-line boundary of p (at most n) */
static inline ptrdiff_t FN(line_head)(const T *p, ptrdiff_t n)
{
    return fa_line_head(p, n, (ptrdiff_t)sizeof(T));
}

/* Software prefetch for the statistics, which sweep four rows at once: four rows 4 KiB apart
 * start four new pages every few hundred cycles, and the hardware prefetchers (which stop at
 * page boundaries) lag; prefetching the rows FA_PF_BYTES ahead made the statistics pass 1.3x
 * (2-D, 4 KiB rows) to 1.25x (channels-last, 256-byte rows) faster (the backward sums, two
 * arrays, gained nothing). A hint only: results never depend on it. */
#define FA_PF_BYTES 16384
#define FA_LINE ((ptrdiff_t)(64 / sizeof(T))) /* elements per cache line */

/* Rows ahead to prefetch (a multiple of 4), for rows of stride ld */
static inline ptrdiff_t FN(pf_rows)(ptrdiff_t ld)
{
    ptrdiff_t b = ld * (ptrdiff_t)sizeof(T), d = b > 0 ? (FA_PF_BYTES + b - 1) / b : 4;
    return d < 4 ? 4 : (d + 3) / 4 * 4;
}

/* Row r + d of x (stride ld, `rows` rows) when it exists, else row r: what to prefetch */
static inline const T *FN(pf_row)(const T *x, ptrdiff_t r, ptrdiff_t d, ptrdiff_t rows,
                                  ptrdiff_t ld)
{
    return x + (r + d + 4 <= rows ? r + d : r) * ld;
}

/* col_apply and col_bwd_apply prefetch their arrays FA_PF_APPLY bytes ahead, in the same call's
 * rows, when a row has at least FA_PF_APPLY_MIN bytes (short channels-last rows run as longer
 * virtual rows, see fa_plan.flat): col_apply 1.15-1.25x faster for 2-D input (4 KiB rows),
 * col_bwd_apply 1.5 -> 1.35 of the copy's time, and the (4096, 1024) training backward at
 * 1 thread between the other implementations' calls 1.10 -> 1.00 of 5 streams. Offset
 * (elements) to prefetch at from row r of `rows`, 0 near the end. */
#define FA_PF_APPLY 8192
#define FA_PF_APPLY_MIN 1024
static inline ptrdiff_t FN(pf_ahead)(ptrdiff_t r, ptrdiff_t rows, ptrdiff_t ld)
{
    ptrdiff_t a = FA_PF_APPLY / (ptrdiff_t)sizeof(T);
    return r * ld + a <= (rows - 1) * ld ? a : 0;
}

/* An apply pass's hints for element `at` of its inputs in0 and in1 (NULL when it has one) and
 * of its output */
static inline __attribute__((always_inline)) void FN(hint_apply)(const T *in0, const T *in1,
                                                                 const T *out, ptrdiff_t at)
{
    __builtin_prefetch(in0 + at);
    if (in1)
        __builtin_prefetch(in1 + at);
    __builtin_prefetch(out + at, 1);
}

#define FA_PF4(p, ld, j)                                                                      \
    do {                                                                                      \
        __builtin_prefetch((p) + (j));                                                        \
        __builtin_prefetch((p) + (ld) + (j));                                                 \
        __builtin_prefetch((p) + 2 * (ld) + (j));                                             \
        __builtin_prefetch((p) + 3 * (ld) + (j));                                             \
    } while (0)

/* Shifted sums of columns [j0, j1) of rows [r, r + 4) (r >= 1) of a leaf */
#define FA_COL_STATS4(j0, j1)                                                                 \
    _Pragma("omp simd") for (ptrdiff_t j = (j0); j < (j1); j++)                              \
    {                                                                                         \
        double d0 = (double)x0[j] - K[j], d1 = (double)x1[j] - K[j];                          \
        double d2 = (double)x2[j] - K[j], d3 = (double)x3[j] - K[j];                          \
        s1[j] += (d0 + d1) + (d2 + d3);                                                       \
        s2[j] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);                                   \
    }

static void FN(col_stats)(const void *xv, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld,
                          double *restrict mean, double *restrict m2, double *work)
{
    const T *x = (const T *)xv;
    /* Columns in two spans split where the rows reach a cache-line boundary (fa_col_head: rows
     * of at least FA_NORM_SPLIT_MIN bytes; ld * sizeof(T) is usually a whole number of lines),
     * so the main span's loads of x never straddle two lines (misaligned loads of x measured
     * 1.5x slower than aligned ones on 4 KiB rows); the three arrays are
     * placed so that column h starts a cache line too, and are a whole number of cache lines
     * plus one apart (no 4K aliasing). Each column's sums do not depend on the split. */
    const ptrdiff_t ws = (nc + 7) / 8 * 8 + 8;
    const ptrdiff_t h = fa_col_head(x, nc, (ptrdiff_t)sizeof(T)), o = (8 - h % 8) % 8;
    double *restrict K = work + o;
    double *restrict s1 = work + ws + o;
    double *restrict s2 = work + 2 * ws + o;
    const ptrdiff_t pfd = FN(pf_rows)(ld);
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
            const T *pf = FN(pf_row)(x, r0 + r, pfd, rows, ld);
            ptrdiff_t j0 = h;
            FA_COL_STATS4(0, h)
            for (; j0 + FA_LINE <= nc; j0 += FA_LINE) {
                FA_PF4(pf, ld, j0);
                FA_COL_STATS4(j0, j0 + FA_LINE)
            }
            FA_COL_STATS4(j0, nc)
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
            double fb = nb / (na + nb), fab = na * fb;
            _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
            {
                double v = s2[j] - s1[j] * (s1[j] / nb);
                fa_chan_merge_by(fb, fab, &mean[j], &m2[j], K[j] + s1[j] / nb,
                                 v < 0.0 ? 0.0 : v);
            }
        }
        na += nb;
    }
}

/* ---------------------------------------------------------------- forward */
/* Elements [j0, n) of an apply pass's sweep: when `hint`, whole cache lines, each after its
 * hints `a` elements ahead (in0, in1, out as in hint_apply); then the rest. SPAN(j0, j1) is the
 * pass's loop over elements [j0, j1). The run passes hint on runs of at least FA_PF_APPLY_MIN
 * bytes (a hint past a run's end reaches the next run, which pass_range visits next): NCHW
 * (64, 64, 56, 56) float32 eval forward 1.08 -> 0.85 of the copy's time at 2 threads (1.00 ->
 * 0.82 at 1), training backward 7.2-7.4 -> 6.3 ms. */
#define FA_SWEEP(j0, n, hint, a, in0, in1, out, SPAN)                                          \
    {                                                                                         \
        ptrdiff_t j_ = (j0);                                                                  \
        if (hint)                                                                             \
            for (; j_ + FA_LINE <= (n); j_ += FA_LINE) {                                      \
                FN(hint_apply)(in0, in1, out, j_ + (a));                                      \
                SPAN(j_, j_ + FA_LINE)                                                        \
            }                                                                                 \
        SPAN(j_, n)                                                                           \
    }

/* A run pass's hint condition and distance for FA_SWEEP */
#define FA_RUN_HINT(n) ((n) * (ptrdiff_t)sizeof(T) >= FA_PF_APPLY_MIN)
#define FA_RUN_AHEAD (FA_PF_APPLY / (ptrdiff_t)sizeof(T))

#define FA_RUN_APPLY_SPAN(i0, i1)                                                             \
    _Pragma("omp simd") for (ptrdiff_t i = (i0); i < (i1); i++)                              \
    {                                                                                         \
        T v = (x[i] - mh) * s + c;                                                            \
        y[i] = has_act ? FN(act_f)(v, lo, hi, sl) : v;                                        \
    }

static inline __attribute__((always_inline)) void FN(run_apply_body)(
    const T *restrict x, T *restrict y, ptrdiff_t n, T mh, T s, T c, const double *act,
    const int has_act)
{
    FA_ACT_LOAD
    if (x == y) {
        /* in place: the same loop without restrict */
        T *xy = y;
        _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)
        {
            T v = (xy[i] - mh) * s + c;
            xy[i] = has_act ? FN(act_f)(v, lo, hi, sl) : v;
        }
        return;
    }
    FA_SWEEP(0, n, FA_RUN_HINT(n), FA_RUN_AHEAD, x, NULL, y, FA_RUN_APPLY_SPAN)
}

static void FN(run_apply)(const void *x, void *y, ptrdiff_t n, const double *p, const double *act)
{
    T mh = (T)p[FA_NP_MH], s = (T)p[FA_NP_S], c = (T)p[FA_NP_B];
    if (act)
        FN(run_apply_body)((const T *)x, (T *)y, n, mh, s, c, act, 1);
    else
        FN(run_apply_body)((const T *)x, (T *)y, n, mh, s, c, act, 0);
}

#define FA_COL_APPLY_SPAN(j0, j1)                                                             \
    _Pragma("omp simd") for (ptrdiff_t j = (j0); j < (j1); j++)                              \
    {                                                                                         \
        T v = (xr[j] - mh[j]) * s[j] + b[j];                                                  \
        yr[j] = has_act ? FN(act_f)(v, lo, hi, sl) : v;                                       \
    }

static inline __attribute__((always_inline)) void FN(col_apply_body)(
    const T *x, T *y, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld, const T *prm, ptrdiff_t pld,
    const double *act, const int has_act)
{
    FA_ACT_LOAD
    const T *restrict mh = prm + FA_NP_MH * pld;
    const T *restrict s = prm + FA_NP_S * pld;
    const T *restrict b = prm + FA_NP_B * pld;
    /* one row per sweep: sweeping four rows at once (each parameter loaded once for four
     * elements) measured 1.3-1.7x slower. Each row in two spans split where y reaches a cache
     * line boundary, so the main span's stores (and, when x and the parameters share y's
     * offset in a cache line, its loads) are aligned. x and y are either identical or
     * disjoint: each element is read before it is written */
    const int hint = nc * (ptrdiff_t)sizeof(T) >= FA_PF_APPLY_MIN;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const T *xr = x + r * ld;
        T *yr = y + r * ld;
        ptrdiff_t h = FN(line_head)(xr, nc), ahead = FN(pf_ahead)(r, rows, ld);
        FA_COL_APPLY_SPAN(0, h)
        FA_SWEEP(h, nc, hint, ahead, xr, NULL, yr, FA_COL_APPLY_SPAN)
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
/* One element of a backward sum: e = x - mh, d = e - ml (the centered value), dv = dy * act'(v)
 * with v = e * s + b as the forward computed it; dx = dv * k when writing. */
#define FA_BWD_ELEM(g, xv, o, idx, dv, d)                                                     \
    T dv, d;                                                                                  \
    {                                                                                         \
        T e_ = (xv) - mh;                                                                     \
        d = e_ - ml;                                                                          \
        dv = (g);                                                                             \
        if (has_act)                                                                          \
            dv = dv * FN(act_d)(e_ * s + b, lo, hi, sl);                                      \
        if (write)                                                                            \
            (o)[idx] = dv * k;                                                                \
    }

/* res = (sum dv, sum dv * d) over a run: four T terms per lane at a time into float64 lanes
 * (a four-term T sum rounds like its terms do; half the float64 arithmetic) */
static inline __attribute__((always_inline)) void FN(run_bwd_sums_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t n, const double *p, const double *act,
    double *res, const int has_act, const int write)
{
    FA_ACT_LOAD
    T mh = (T)p[FA_NP_MH], ml = (T)p[FA_NP_ML], s = (T)p[FA_NP_S], b = (T)p[FA_NP_B];
    T k = (T)p[FA_NP_K];
    double a1[L], a2[L];
    for (int j = 0; j < L; j++)
        a1[j] = a2[j] = 0.0;
    ptrdiff_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
        _Pragma("omp simd") for (int j = 0; j < L; j++) {
            const ptrdiff_t i0 = i + j, i1 = i0 + L, i2 = i1 + L, i3 = i2 + L;
            FA_BWD_ELEM(dy[i0], x[i0], dx, i0, v0, d0)
            FA_BWD_ELEM(dy[i1], x[i1], dx, i1, v1, d1)
            FA_BWD_ELEM(dy[i2], x[i2], dx, i2, v2, d2)
            FA_BWD_ELEM(dy[i3], x[i3], dx, i3, v3, d3)
            a1[j] += (double)((v0 + v1) + (v2 + v3));
            a2[j] += (double)((v0 * d0 + v1 * d1) + (v2 * d2 + v3 * d3));
        }
    }
    for (int j = 0; i + j < n; j++) {
        FA_BWD_ELEM(dy[i + j], x[i + j], dx, i + j, v, d)
        a1[j % L] += (double)v;
        a2[j % L] += (double)(v * d);
    }
    FN(lanes_reduce)(a1);
    FN(lanes_reduce)(a2);
    res[0] = a1[0];
    res[1] = a2[0];
}

static void FN(run_bwd_sums)(const void *dy, const void *x, void *dx, ptrdiff_t n,
                             const double *p, const double *act, double *res)
{
    const T *g = (const T *)dy, *xx = (const T *)x;
    T *o = (T *)dx;
    if (act) {
        if (dx)
            FN(run_bwd_sums_body)(g, xx, o, n, p, act, res, 1, 1);
        else
            FN(run_bwd_sums_body)(g, xx, o, n, p, act, res, 1, 0);
    } else {
        if (dx)
            FN(run_bwd_sums_body)(g, xx, o, n, p, act, res, 0, 1);
        else
            FN(run_bwd_sums_body)(g, xx, o, n, p, act, res, 0, 0);
    }
}

#define FA_COL_BWD_SUMS4(j0, j1)                                                              \
    _Pragma("omp simd") for (ptrdiff_t j = (j0); j < (j1); j++)                              \
    {                                                                                         \
        const T mh = mhv[j], ml = (T)0, s = sv[j], b = bv[j], k = kv[j];                      \
        FA_BWD_ELEM(g0[j], x0[j], o0, j, v0, d0)                                              \
        FA_BWD_ELEM(g1[j], x1[j], o1, j, v1, d1)                                              \
        FA_BWD_ELEM(g2[j], x2[j], o2, j, v2, d2)                                              \
        FA_BWD_ELEM(g3[j], x3[j], o3, j, v3, d3)                                              \
        A[j] += (double)((v0 + v1) + (v2 + v3));                                              \
        B[j] += (double)((v0 * d0 + v1 * d1) + (v2 * d2 + v3 * d3));                          \
    }

/* A[j], B[j] = (sum dv, sum dv * e) per column over the rows, e = x - mh (the caller subtracts
 * ml * A: sum dv * d = B - ml * A, one load and one subtraction less per element), rows four at
 * a time (their T terms summed, then added to the float64 sums) */
static inline __attribute__((always_inline)) void FN(col_bwd_sums_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld, const T *prm,
    ptrdiff_t pld, const double *act, double *restrict A, double *restrict B, const int has_act,
    const int write)
{
    FA_ACT_LOAD
    const T *restrict mhv = prm + FA_NP_MH * pld;
    const T *restrict sv = prm + FA_NP_S * pld;
    const T *restrict bv = prm + FA_NP_B * pld;
    const T *restrict kv = prm + FA_NP_K * pld;
    /* columns in two spans split like col_stats' */
    const ptrdiff_t h = fa_col_head(x, nc, (ptrdiff_t)sizeof(T));
    _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++) A[j] = B[j] = 0.0;
    ptrdiff_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const T *x0 = x + r * ld, *x1 = x0 + ld, *x2 = x1 + ld, *x3 = x2 + ld;
        const T *g0 = dy + r * ld, *g1 = g0 + ld, *g2 = g1 + ld, *g3 = g2 + ld;
        T *o0 = dx + r * ld, *o1 = o0 + ld, *o2 = o1 + ld, *o3 = o2 + ld;
        ptrdiff_t j0 = h;
        FA_COL_BWD_SUMS4(0, h)
        for (; j0 + FA_LINE <= nc; j0 += FA_LINE)
            FA_COL_BWD_SUMS4(j0, j0 + FA_LINE)
        FA_COL_BWD_SUMS4(j0, nc)
    }
    for (; r < rows; r++) {
        const T *x0 = x + r * ld, *g0 = dy + r * ld;
        T *o0 = dx + r * ld;
        _Pragma("omp simd") for (ptrdiff_t j = 0; j < nc; j++)
        {
            const T mh = mhv[j], ml = (T)0, s = sv[j], b = bv[j], k = kv[j];
            FA_BWD_ELEM(g0[j], x0[j], o0, j, v0, d0)
            A[j] += (double)v0;
            B[j] += (double)(v0 * d0);
        }
    }
}

static void FN(col_bwd_sums)(const void *dy, const void *x, void *dx, ptrdiff_t rows,
                             ptrdiff_t nc, ptrdiff_t ld, const void *prm, ptrdiff_t pld,
                             const double *act, double *A, double *B)
{
    const T *g = (const T *)dy, *xx = (const T *)x, *pp = (const T *)prm;
    T *o = (T *)dx;
    if (act) {
        if (dx)
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, pp, pld, act, A, B, 1, 1);
        else
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, pp, pld, act, A, B, 1, 0);
    } else {
        if (dx)
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, pp, pld, act, A, B, 0, 1);
        else
            FN(col_bwd_sums_body)(g, xx, o, rows, nc, ld, pp, pld, act, A, B, 0, 0);
    }
}

#define FA_RUN_BWD_APPLY_SPAN(i0, i1)                                                          \
    _Pragma("omp simd") for (ptrdiff_t i = (i0); i < (i1); i++)                              \
    {                                                                                         \
        T e = x[i] - mh;                                                                      \
        T d = e - ml;                                                                         \
        T dv = dy[i];                                                                         \
        if (has_act)                                                                          \
            dv = dv * FN(act_d)(e * s + b, lo, hi, sl);                                       \
        dx[i] = (dv * k + d * q) + r;                                                         \
    }

static inline __attribute__((always_inline)) void FN(run_bwd_apply_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t n, const double *p, const double *act,
    const int has_act)
{
    FA_ACT_LOAD
    T mh = (T)p[FA_NP_MH], ml = (T)p[FA_NP_ML], s = (T)p[FA_NP_S], b = (T)p[FA_NP_B];
    T k = (T)p[FA_NP_K], q = (T)p[FA_NP_Q], r = (T)p[FA_NP_R];
    FA_SWEEP(0, n, FA_RUN_HINT(n), FA_RUN_AHEAD, x, dy, dx, FA_RUN_BWD_APPLY_SPAN)
}

static void FN(run_bwd_apply)(const void *dy, const void *x, void *dx, ptrdiff_t n,
                              const double *p, const double *act)
{
    if (act)
        FN(run_bwd_apply_body)((const T *)dy, (const T *)x, (T *)dx, n, p, act, 1);
    else
        FN(run_bwd_apply_body)((const T *)dy, (const T *)x, (T *)dx, n, p, act, 0);
}

#define FA_COL_BWD_APPLY_SPAN(j0, j1)                                                         \
    _Pragma("omp simd") for (ptrdiff_t j = (j0); j < (j1); j++)                              \
    {                                                                                         \
        T e = xr[j] - mh[j];                                                                  \
        T dv = gr[j];                                                                         \
        if (has_act)                                                                          \
            dv = dv * FN(act_d)(e * s[j] + b[j], lo, hi, sl);                                 \
        orow[j] = (dv * k[j] + e * q[j]) + rr[j];                                             \
    }

static inline __attribute__((always_inline)) void FN(col_bwd_apply_body)(
    const T *dy, const T *x, T *dx, ptrdiff_t rows, ptrdiff_t nc, ptrdiff_t ld, const T *prm,
    ptrdiff_t pld, const double *act, const int has_act)
{
    FA_ACT_LOAD
    const T *restrict mh = prm + FA_NP_MH * pld;
    const T *restrict s = prm + FA_NP_S * pld;
    const T *restrict b = prm + FA_NP_B * pld;
    const T *restrict k = prm + FA_NP_K * pld;
    const T *restrict q = prm + FA_NP_Q * pld;
    const T *restrict rr = prm + FA_NP_R * pld; /* r - ml * q: dx = dv * k + e * q + rr */
    /* one row per sweep, in two spans like col_apply, and with its prefetch for long rows */
    const int hint = nc * (ptrdiff_t)sizeof(T) >= FA_PF_APPLY_MIN;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const T *xr = x + r * ld, *gr = dy + r * ld;
        T *orow = dx + r * ld;
        ptrdiff_t h = FN(line_head)(xr, nc), ahead = FN(pf_ahead)(r, rows, ld);
        FA_COL_BWD_APPLY_SPAN(0, h)
        FA_SWEEP(h, nc, hint, ahead, xr, gr, orow, FA_COL_BWD_APPLY_SPAN)
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
    const ptrdiff_t a = FA_PF_APPLY / (ptrdiff_t)sizeof(T);
    for (; i + L <= n; i += L) {
        /* the rows after the one whose statistics this loop takes (memory order, like the
         * run passes' prefetch); L elements are one line of float, two of double */
        FN(hint_apply)(xs, NULL, ya, i + a);
        FN(hint_apply)(xs, NULL, ya, i + a + L - 1);
        FA_STATS_LANES(xs, i, K, a1, a2)
        _Pragma("omp simd") for (int j = 0; j < L; j++)
            ya[i + j] = (((xa[i + j] - mh) - ml) * s) * w[i + j] + b[i + j];
    }
    FA_STATS_TAIL(xs, i, n, K, a1, a2)
    for (; i < n; i++)
        ya[i] = (((xa[i] - mh) - ml) * s) * w[i] + b[i];
    FN(stats_finish)(a1, a2, K, n, res);
}

/* LayerNorm backward. Per row: g = dy * w, the sums A = sum g and B = sum g * d with
 * d = (x - mh) - ml (mh + ml the row mean split in two T values: x - mh is exact near the mean,
 * so d stays accurate when |mean| >> std), then dx = g * k + d * q + r with k = invstd,
 * q = -invstd^3 B / n, r = -invstd A / n, and gw += dy * d * k, gb += dy.
 * The sums take four T terms per lane at a time into float64 lanes (a four-term T sum rounds
 * like its terms do; a quarter of the conversions). */

/* Elements of T per cache line; elements per prefetch chunk of the pair loop */
#define FA_LN_LINE (64 / (ptrdiff_t)sizeof(T))
#define FA_LN_CHUNK (4 * FA_LN_LINE)

/* The sums' lanes over elements [i, i + 4L) of one row */
#define FA_LN_SUMS4(dy, x, w, i, mh, ml, a1, a2)                                              \
    _Pragma("omp simd") for (int j = 0; j < L; j++)                                           \
    {                                                                                         \
        const ptrdiff_t i0 = (i) + j, i1 = i0 + L, i2 = i1 + L, i3 = i2 + L;                  \
        T g0 = (dy)[i0] * (w)[i0], g1 = (dy)[i1] * (w)[i1];                                   \
        T g2 = (dy)[i2] * (w)[i2], g3 = (dy)[i3] * (w)[i3];                                   \
        T e0 = g0 * (((x)[i0] - (mh)) - (ml)), e1 = g1 * (((x)[i1] - (mh)) - (ml));           \
        T e2 = g2 * (((x)[i2] - (mh)) - (ml)), e3 = g3 * (((x)[i3] - (mh)) - (ml));           \
        (a1)[j] += (double)((g0 + g1) + (g2 + g3));                                           \
        (a2)[j] += (double)((e0 + e1) + (e2 + e3));                                           \
    }

/* The sums' tail: elements [i, n), fewer than 4L, one per lane in order */
static inline void FN(ln_sums_tail)(const T *dy, const T *x, const T *w, ptrdiff_t i,
                                    ptrdiff_t n, T mh, T ml, double *a1, double *a2)
{
    for (int j = 0; i + j < n; j++) {
        T g = dy[i + j] * w[i + j];
        a1[j % L] += (double)g;
        a2[j % L] += (double)(g * ((x[i + j] - mh) - ml));
    }
}

typedef struct {
    T k, q, r, mh, ml;
} FN(ln_coef);

static inline void FN(ln_split)(double mean, T *mh, T *ml)
{
    *mh = (T)mean;
    *ml = (T)(mean - (double)*mh);
}

static inline FN(ln_coef) FN(ln_finish)(double *a1, double *a2, ptrdiff_t n, double invstd, T mh,
                                        T ml)
{
    FN(lanes_reduce)(a1);
    FN(lanes_reduce)(a2);
    double dn = (double)n;
    FN(ln_coef) c;
    c.k = (T)invstd;
    c.q = (T)(-(invstd * invstd * invstd) * (a2[0] / dn));
    c.r = (T)(-invstd * (a1[0] / dn));
    c.mh = mh;
    c.ml = ml;
    return c;
}

/* The coefficients of row r */
static inline FN(ln_coef) FN(ln_row)(const T *restrict dy, const T *restrict x,
                                     const T *restrict w, ptrdiff_t n, double mean,
                                     double invstd, T *pw)
{
    double a1[L], a2[L];
    T mh, ml;
    ptrdiff_t i;
    for (int j = 0; j < L; j++)
        a1[j] = a2[j] = 0.0;
    FN(ln_split)(mean, &mh, &ml);
    for (i = 0; i + 4 * L <= n; i += 4 * L) {
        if (pw)
            for (ptrdiff_t q = 0; q < 4 * L; q += FA_LN_LINE)
                __builtin_prefetch(pw + i + q, 1, 3);
        FA_LN_SUMS4(dy, x, w, i, mh, ml, a1, a2)
    }
    FN(ln_sums_tail)(dy, x, w, i, n, mh, ml, a1, a2);
    return FN(ln_finish)(a1, a2, n, invstd, mh, ml);
}

/* Rows [0, nr) of n elements (mean, invstd per row): dx (which may be identical to dy or x:
 * each element is read before it is written), gw[i] += sum over the rows of dy x_hat,
 * gb[i] += sum of dy. Rows in pairs: the sums of both rows (reads dy, x), then one loop writes
 * both rows' dx (the rows again, from the cache) and adds the pair's gw and gb terms, summed in
 * T (one more rounding of the order of the terms' own), to the float64 sums: half the float64
 * read-modify-write traffic of a row at a time. Each row is one 4 KB page at D = 1024, where
 * the hardware prefetchers stop, so the next pair is prefetched by hand: its dx lines while
 * the sums read this pair, its dy and x lines while this pair's dx is written (the reads and
 * the writes then overlap: 2.3 -> 1.65 ms at (4096, 1024), 1 thread). Prefetches change no
 * value. */

/* dx of rows 0 and 1 of a pair over [t0, t1), and the pair's gw and gb terms */
#define FA_LN_PAIR(t0, t1)                                                                    \
    _Pragma("omp simd") for (ptrdiff_t t = (t0); t < (t1); t++)                              \
    {                                                                                         \
        T wt = w[t], a0 = g0[t], a1 = g1[t];                                                  \
        T d0 = (x0[t] - c0.mh) - c0.ml, d1 = (x1[t] - c1.mh) - c1.ml;                         \
        o0[t] = ((a0 * wt) * c0.k + d0 * c0.q) + c0.r;                                        \
        o1[t] = ((a1 * wt) * c1.k + d1 * c1.q) + c1.r;                                        \
        gw[t] += (double)(a0 * (d0 * c0.k) + a1 * (d1 * c1.k));                               \
        gb[t] += (double)(a0 + a1);                                                           \
    }

static void FN(ln_bwd)(const void *dyv, const void *xv, void *dxv, ptrdiff_t nr, ptrdiff_t n,
                       const double *mean, const double *invstd, const void *wv,
                       double *restrict gw, double *restrict gb)
{
    const T *dy = (const T *)dyv;
    const T *x = (const T *)xv;
    T *dx = (T *)dxv;
    const T *restrict w = (const T *)wv;
    ptrdiff_t r = 0;
    for (; r + 2 <= nr; r += 2) {
        const T *g0 = dy + r * n, *g1 = g0 + n, *x0 = x + r * n, *x1 = x0 + n;
        T *o0 = dx + r * n, *o1 = o0 + n;
        const int next = r + 4 <= nr;
        FN(ln_coef) c0 = FN(ln_row)(g0, x0, w, n, mean[r], invstd[r], next ? o0 + 2 * n : NULL);
        FN(ln_coef) c1 = FN(ln_row)(g1, x1, w, n, mean[r + 1], invstd[r + 1],
                                    next ? o1 + 2 * n : NULL);
        ptrdiff_t t0 = 0;
        if (next)
            for (; t0 + FA_LN_CHUNK <= n; t0 += FA_LN_CHUNK) {
                for (ptrdiff_t q = t0; q < t0 + FA_LN_CHUNK; q += FA_LN_LINE) {
                    __builtin_prefetch(g0 + 2 * n + q, 0, 3);
                    __builtin_prefetch(g1 + 2 * n + q, 0, 3);
                    __builtin_prefetch(x0 + 2 * n + q, 0, 3);
                    __builtin_prefetch(x1 + 2 * n + q, 0, 3);
                }
                FA_LN_PAIR(t0, t0 + FA_LN_CHUNK)
            }
        FA_LN_PAIR(t0, n)
    }
    if (r < nr) {
        const T *g0 = dy + r * n, *x0 = x + r * n;
        T *o0 = dx + r * n;
        FN(ln_coef) c0 = FN(ln_row)(g0, x0, w, n, mean[r], invstd[r], NULL);
        _Pragma("omp simd") for (ptrdiff_t t = 0; t < n; t++)
        {
            T a0 = g0[t];
            T d0 = (x0[t] - c0.mh) - c0.ml;
            o0[t] = ((a0 * w[t]) * c0.k + d0 * c0.q) + c0.r;
            gw[t] += (double)(a0 * (d0 * c0.k));
            gb[t] += (double)a0;
        }
    }
}

#undef FA_LN_SUMS4
#undef FA_LN_PAIR
#undef FA_LN_CHUNK
#undef FA_LN_LINE
#undef L
#undef FA_BWD_ELEM
#undef FA_COL_APPLY_SPAN
#undef FA_COL_BWD_APPLY_SPAN
#undef FA_STATS_LANES
#undef FA_STATS_TAIL
#undef FA_COL_STATS4
#undef FA_COL_BWD_SUMS4
#undef FA_PF4
#undef FA_PF_BYTES
#undef FA_PF_APPLY
#undef FA_PF_APPLY_MIN
#undef FA_LINE
