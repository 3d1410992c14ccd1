/* Non-elementwise activation loops, written once over T (float or double). fa_special.c
 * includes this file once per dtype with T, SFX (f32/f64), IT (the integer type of T's width),
 * FA_EXP (fa_exp_f32/f64), FA_U01 (fa_u01_f32/f64) and FA_COMPENSATE defined; they are
 * undefined at the end. Sums are accumulated in double in FA_LANES explicit lanes
 * combined in a fixed order, so results do not depend on the vector width. */

#define FA_SP_(name, sfx) name##_##sfx
#define FA_SP2(name, sfx) FA_SP_(name, sfx)
#define FA_SP(name) FA_SP2(name, SFX)

/* ---------------------------------------------------------------- prelu */
/* The backward of a run is one pass: grad_input, and the products g x (x <= 0), exact in
 * float64, summed in FA_PRELU_TL lanes (lane l: the elements i % FA_PRELU_TL == l, in order)
 * folded into acc's FA_LANES lanes in a fixed order at the end: an order fixed by n alone. */
#define FA_PRELU_TL 64 /* = 4 FA_LANES */
#define FA_PRELU_ROW4_BYTES 2048 /* rows of at most this many bytes: four per pass */

static void FA_SP(prelu_run)(int mode, const void *gv, const void *xv, void *yv, ptrdiff_t n,
                             double wd, double *acc)
{
    const T *g = (const T *)gv;
    const T *x = (const T *)xv;
    T *y = (T *)yv;
    const T w = (T)wd;
    if (mode == FA_PRELU_FORWARD) {
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++) {
            T v = x[i];
            y[i] = v > (T)0 ? v : w * v;
        }
    } else if (mode == FA_PRELU_DERIVATIVE) {
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++) {
            T v = x[i];
            T d = v > (T)0 ? (T)1 : w;
            y[i] = v != v ? v : d;
        }
    } else if (mode == FA_PRELU_GRAD_INPUT) {
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++) {
            T v = x[i];
            T d = v > (T)0 ? (T)1 : w;
            y[i] = g[i] * (v != v ? v : d);
        }
    } else {
        double lane[FA_PRELU_TL] = {0};
        ptrdiff_t j = 0;
        for (; j + FA_PRELU_TL <= n; j += FA_PRELU_TL)
#pragma omp simd
            for (int k = 0; k < FA_PRELU_TL; k++) {
                T v = x[j + k], gg = g[j + k];
                T d = v > (T)0 ? (T)1 : w;
                y[j + k] = gg * (v != v ? v : d);
                double vd = (double)v, p = (double)gg * vd;
                lane[k] += vd > 0.0 ? 0.0 : p;
            }
        for (int k = 0; j + k < n; k++) {
            T v = x[j + k], gg = g[j + k];
            T d = v > (T)0 ? (T)1 : w;
            y[j + k] = gg * (v != v ? v : d);
            lane[k] += v > (T)0 ? 0.0 : (double)gg * (double)v;
        }
        for (int k = 0; k < 2 * FA_LANES; k++)
            lane[k] += lane[k + 2 * FA_LANES];
        for (int k = 0; k < FA_LANES; k++)
            acc[k] += lane[k] + lane[k + FA_LANES];
    }
}

/* d prelu / dx with NaN for NaN */
static inline T FA_SP(prelu_d)(T v, T w)
{
    T d = v > (T)0 ? (T)1 : w;
    return v != v ? v : d;
}

/* one row of the per-element-slope kernel, forward modes (no weight gradient) */
static inline void FA_SP(prelu_vec_row)(int mode, const T *g, const T *x, T *y, ptrdiff_t n,
                                        const T *w)
{
    if (mode == FA_PRELU_FORWARD) {
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++) {
            T v = x[i];
            y[i] = v > (T)0 ? v : w[i] * v;
        }
    } else if (mode == FA_PRELU_DERIVATIVE) {
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] = FA_SP(prelu_d)(x[i], w[i]);
    } else {
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] = g[i] * FA_SP(prelu_d)(x[i], w[i]);
    }
}

/* g x where x <= 0 (what a slope's gradient collects), exact in double */
static inline double FA_SP(prelu_gx)(T gg, T v)
{
    return v > (T)0 ? 0.0 : (double)gg * (double)v;
}

static void FA_SP(prelu_vec)(int mode, const void *gv, const void *xv, void *yv, ptrdiff_t n,
                             ptrdiff_t nrows, ptrdiff_t ld, const void *wv, double *acc)
{
    const T *g = (const T *)gv;
    const T *x = (const T *)xv;
    const T *w = (const T *)wv;
    T *y = (T *)yv;
    if (mode != FA_PRELU_BACKWARD) {
        for (ptrdiff_t r = 0; r < nrows; r++)
            FA_SP(prelu_vec_row)(mode, g ? g + r * ld : NULL, x + r * ld, y + r * ld, n, w);
        return;
    }
    /* short rows four at a time: acc[i] += (p0 + p1) + (p2 + p3) (a quarter of the accumulator
     * traffic); long rows (where four streams a row apart were measured slower) and the
     * remaining rows one by one. The choice depends on the shape only. */
    ptrdiff_t r = 0, r4 = ld * (ptrdiff_t)sizeof(T) <= FA_PRELU_ROW4_BYTES ? nrows - nrows % 4 : 0;
    for (; r < r4; r += 4) {
        const T *g0 = g + r * ld, *x0 = x + r * ld;
        T *y0 = y + r * ld;
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++) {
            T v0 = x0[i], v1 = x0[i + ld], v2 = x0[i + 2 * ld], v3 = x0[i + 3 * ld];
            T g0i = g0[i], g1i = g0[i + ld], g2i = g0[i + 2 * ld], g3i = g0[i + 3 * ld];
            T wi = w[i];
            y0[i] = g0i * FA_SP(prelu_d)(v0, wi);
            y0[i + ld] = g1i * FA_SP(prelu_d)(v1, wi);
            y0[i + 2 * ld] = g2i * FA_SP(prelu_d)(v2, wi);
            y0[i + 3 * ld] = g3i * FA_SP(prelu_d)(v3, wi);
            acc[i] += (FA_SP(prelu_gx)(g0i, v0) + FA_SP(prelu_gx)(g1i, v1))
                      + (FA_SP(prelu_gx)(g2i, v2) + FA_SP(prelu_gx)(g3i, v3));
        }
    }
    for (; r < nrows; r++) {
        const T *gr = g + r * ld, *xr = x + r * ld;
        T *yr = y + r * ld;
#pragma omp simd
        for (ptrdiff_t i = 0; i < n; i++) {
            T v = xr[i], gg = gr[i];
            acc[i] += FA_SP(prelu_gx)(gg, v);
            yr[i] = gg * FA_SP(prelu_d)(v, w[i]);
        }
    }
}

/* ---------------------------------------------------------------- random ops */
/* Element e of a call draws word e % 4 of Philox block (e / 4, stream): the layout of
 * fa_philox_word, computed once per block of four. */
static inline fa_philox_ctr FA_SP(philox_block)(uint64_t block, uint64_t stream, uint64_t seed)
{
    fa_philox_ctr c;
    c.v[0] = (uint32_t)block;
    c.v[1] = (uint32_t)(block >> 32);
    c.v[2] = (uint32_t)stream;
    c.v[3] = (uint32_t)(stream >> 32);
    return fa_philox4x32(c, (uint32_t)seed, (uint32_t)(seed >> 32));
}

/* The element loops below run over whole Philox blocks (4 elements) in one simd loop, then
 * the last partial block. */
static inline void FA_SP(rrelu_one)(const T *x, T *y, T *noise, ptrdiff_t e, uint32_t u, T lo,
                                    T hi, T span)
{
    T a = lo + span * FA_U01(u);
    a = a > hi ? hi : a;
    T v = x[e];
    int neg = v <= (T)0;
    noise[e] = neg ? a : (T)1;
    y[e] = neg ? v * a : v;
}

static void FA_SP(rrelu)(const void *xv, void *yv, void *nv, ptrdiff_t n, uint64_t start,
                         uint64_t seed, double lower, double upper)
{
    const T *x = (const T *)xv;
    T *y = (T *)yv;
    T *noise = (T *)nv;
    const T lo = (T)lower, hi = (T)upper, span = (T)(upper - lower);
    uint64_t b0 = start >> 2;
    ptrdiff_t nb = n / 4;
#pragma omp simd
    for (ptrdiff_t b = 0; b < nb; b++) {
        fa_philox_ctr r = FA_SP(philox_block)(b0 + (uint64_t)b, FA_STREAM_RRELU, seed);
        FA_SP(rrelu_one)(x, y, noise, 4 * b, r.v[0], lo, hi, span);
        FA_SP(rrelu_one)(x, y, noise, 4 * b + 1, r.v[1], lo, hi, span);
        FA_SP(rrelu_one)(x, y, noise, 4 * b + 2, r.v[2], lo, hi, span);
        FA_SP(rrelu_one)(x, y, noise, 4 * b + 3, r.v[3], lo, hi, span);
    }
    if (4 * nb < n) {
        fa_philox_ctr r = FA_SP(philox_block)(b0 + (uint64_t)nb, FA_STREAM_RRELU, seed);
        for (ptrdiff_t k = 0; 4 * nb + k < n; k++)
            FA_SP(rrelu_one)(x, y, noise, 4 * nb + k, r.v[k], lo, hi, span);
    }
}

static inline void FA_SP(dropout_one)(const T *x, T *y, unsigned char *mask, ptrdiff_t e,
                                      uint32_t u, uint64_t threshold, T s)
{
    int keep = (uint64_t)u >= threshold;
    mask[e] = (unsigned char)keep;
    y[e] = x[e] * (keep ? s : (T)0);
}

static void FA_SP(dropout)(const void *xv, void *yv, unsigned char *mask, ptrdiff_t n,
                           uint64_t start, uint64_t seed, uint64_t threshold, double scale)
{
    const T *x = (const T *)xv;
    T *y = (T *)yv;
    const T s = (T)scale;
    uint64_t b0 = start >> 2;
    ptrdiff_t nb = n / 4;
#pragma omp simd
    for (ptrdiff_t b = 0; b < nb; b++) {
        fa_philox_ctr r = FA_SP(philox_block)(b0 + (uint64_t)b, FA_STREAM_DROPOUT, seed);
        FA_SP(dropout_one)(x, y, mask, 4 * b, r.v[0], threshold, s);
        FA_SP(dropout_one)(x, y, mask, 4 * b + 1, r.v[1], threshold, s);
        FA_SP(dropout_one)(x, y, mask, 4 * b + 2, r.v[2], threshold, s);
        FA_SP(dropout_one)(x, y, mask, 4 * b + 3, r.v[3], threshold, s);
    }
    if (4 * nb < n) {
        fa_philox_ctr r = FA_SP(philox_block)(b0 + (uint64_t)nb, FA_STREAM_DROPOUT, seed);
        for (ptrdiff_t k = 0; 4 * nb + k < n; k++)
            FA_SP(dropout_one)(x, y, mask, 4 * nb + k, r.v[k], threshold, s);
    }
}

static void FA_SP(dropout_bwd)(const void *gv, const unsigned char *mask, void *yv, ptrdiff_t n,
                               double scale)
{
    const T *g = (const T *)gv;
    T *y = (T *)yv;
    const T s = (T)scale;
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = g[i] * (mask[i] ? s : (T)0);
}

static void FA_SP(mul)(const void *av, const void *bv, void *yv, ptrdiff_t n)
{
    const T *a = (const T *)av;
    const T *b = (const T *)bv;
    T *y = (T *)yv;
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = a[i] * b[i];
}

/* ---------------------------------------------------------------- softmax */
/* r + c = v - m exactly (TwoSum), c = 0 where r is not finite. exp(v - m) is then
 * exp(r) (1 + c): without c the rounding of v - m (up to |v - m| / 2 ULP) would be amplified
 * by exp into tens of ULP for arguments near the underflow limit. */
#define FA_SM_DIFF(v, m, r, c)                                                                \
    do {                                                                                      \
        T b_ = -(m);                                                                          \
        r = (v) + b_;                                                                         \
        T bb_ = r - (v);                                                                      \
        T c_ = ((v) - (r - bb_)) + (b_ - bb_);                                                \
        c = (r - r == (T)0) ? c_ : (T)0;                                                      \
    } while (0)

static inline T FA_SP(nan_max)(T m, T v)
{
    return (v > m || v != v) ? v : m;
}

/* The maximum with NaN propagated as nan_max, in FA_LANES lanes combined in a fixed order. */
static T FA_SP(row_max_nan)(const T *x, ptrdiff_t K)
{
    T lane[FA_LANES];
    for (int k = 0; k < FA_LANES; k++)
        lane[k] = (T)-INFINITY;
    ptrdiff_t i = 0;
    for (; i + FA_LANES <= K; i += FA_LANES) {
#pragma omp simd
        for (int k = 0; k < FA_LANES; k++)
            lane[k] = FA_SP(nan_max)(lane[k], x[i + k]);
    }
    for (int k = 0; i + k < K; k++)
        lane[k] = FA_SP(nan_max)(lane[k], x[i + k]);
    T m = lane[0];
    for (int k = 1; k < FA_LANES; k++)
        m = FA_SP(nan_max)(m, lane[k]);
    return m;
}

/* The row maximum: without NaN the maximum does not depend on the order (up to the sign of a
 * zero maximum, which no result depends on), so four independent sets of lanes (short
 * dependency chains) with a NaN flag; a row holding NaN takes row_max_nan (its NaN). */
#define FA_MAX_SETS 4
static T FA_SP(row_max)(const T *x, ptrdiff_t K)
{
    T lane[FA_MAX_SETS * FA_LANES];
    int nan[FA_MAX_SETS * FA_LANES];
    for (int k = 0; k < FA_MAX_SETS * FA_LANES; k++) {
        lane[k] = (T)-INFINITY;
        nan[k] = 0;
    }
    ptrdiff_t i = 0;
    for (; i + FA_MAX_SETS * FA_LANES <= K; i += FA_MAX_SETS * FA_LANES) {
#pragma omp simd
        for (int k = 0; k < FA_MAX_SETS * FA_LANES; k++) {
            T v = x[i + k];
            lane[k] = v > lane[k] ? v : lane[k];
            nan[k] |= v != v;
        }
    }
    for (; i + FA_LANES <= K; i += FA_LANES) {
#pragma omp simd
        for (int k = 0; k < FA_LANES; k++) {
            T v = x[i + k];
            lane[k] = v > lane[k] ? v : lane[k];
            nan[k] |= v != v;
        }
    }
    for (int j = 1; j < FA_MAX_SETS; j++) {
#pragma omp simd
        for (int k = 0; k < FA_LANES; k++) {
            T v = lane[j * FA_LANES + k];
            lane[k] = v > lane[k] ? v : lane[k];
            nan[k] |= nan[j * FA_LANES + k];
        }
    }
    T m = (T)-INFINITY;
    int any_nan = 0;
    for (; i < K; i++) {
        m = x[i] > m ? x[i] : m;
        any_nan |= x[i] != x[i];
    }
    for (int k = 0; k < FA_LANES; k++) {
        m = lane[k] > m ? lane[k] : m;
        any_nan |= nan[k];
    }
    return any_nan ? FA_SP(row_max_nan)(x, K) : m;
}

/* sum of a[i] (op 0) or a[i] b[i] (op 1) in double lanes */
static double FA_SP(row_sum)(const T *a, const T *b, ptrdiff_t K)
{
    double lane[FA_LANES];
    for (int k = 0; k < FA_LANES; k++)
        lane[k] = 0.0;
    ptrdiff_t i = 0;
    if (b) {
        for (; i + FA_LANES <= K; i += FA_LANES) {
#pragma omp simd
            for (int k = 0; k < FA_LANES; k++)
                lane[k] += (double)a[i + k] * (double)b[i + k];
        }
        for (int k = 0; i + k < K; k++)
            lane[k] += (double)a[i + k] * (double)b[i + k];
    } else {
        for (; i + FA_LANES <= K; i += FA_LANES) {
#pragma omp simd
            for (int k = 0; k < FA_LANES; k++)
                lane[k] += (double)a[i + k];
        }
        for (int k = 0; i + k < K; k++)
            lane[k] += (double)a[i + k];
    }
    return fa_lanes_sum(lane);
}

static inline T FA_SP(shifted_exp)(T v, T m)
{
    T r, c;
    FA_SM_DIFF(v, m, r, c);
    T e = FA_EXP(r);
    return e + e * c;
}

/* sum of exp(x - m) in double lanes (compensated when FA_COMPENSATE: the terms of a float64
 * row carry no spare precision), returned as hi + *lo; the terms are written to y when
 * y != NULL */
static double FA_SP(row_exp_sum)(const T *x, T m, T *y, ptrdiff_t K, double *lo)
{
    double lane[FA_LANES], comp[FA_LANES];
    for (int k = 0; k < FA_LANES; k++)
        lane[k] = comp[k] = 0.0;
    ptrdiff_t i = 0;
#if !FA_COMPENSATE && FA_LANES == 16
    /* float data: the same lanes (lane k adds the terms i = k mod 16 in order) held in two
     * vector registers across the loop instead of memory (a store-to-load round trip per
     * block otherwise lengthens the chain of additions) */
    {
        fa_v8d s[2] = {{0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}};
        double d[FA_EXP_BLOCK];
        while (i + FA_LANES <= K) {
            /* a block of terms first (independent, vectorized), then its sum */
            ptrdiff_t nb = (K - i) / FA_LANES * FA_LANES;
            nb = nb < FA_EXP_BLOCK ? nb : FA_EXP_BLOCK;
            if (y) {
#pragma omp simd
                for (ptrdiff_t j = 0; j < nb; j++) {
                    T e = FA_SP(shifted_exp)(x[i + j], m);
                    y[i + j] = e;
                    d[j] = (double)e;
                }
            } else {
#pragma omp simd
                for (ptrdiff_t j = 0; j < nb; j++)
                    d[j] = (double)FA_SP(shifted_exp)(x[i + j], m);
            }
            fa_lanes_add16(s, d, nb);
            i += nb;
        }
        memcpy(lane, s, sizeof s);
    }
#endif
    for (; i + FA_LANES <= K; i += FA_LANES) {
#pragma omp simd
        for (int k = 0; k < FA_LANES; k++) {
            T e = FA_SP(shifted_exp)(x[i + k], m);
            if (y)
                y[i + k] = e;
            FA_SUM_ADD(lane[k], comp[k], (double)e);
        }
    }
    for (int k = 0; i + k < K; k++) {
        T e = FA_SP(shifted_exp)(x[i + k], m);
        if (y)
            y[i + k] = e;
        FA_SUM_ADD(lane[k], comp[k], (double)e);
    }
    return fa_lanes_sum2(lane, comp, lo);
}

/* log(hi + lo) for a sum of exponentials hi + lo >= 1 (one term is exp(0) = 1): log1p of the
 * exact hi - 1, so a log-softmax near 0 keeps its relative accuracy. */
static inline double FA_SP(log_sum)(double hi, double lo)
{
    return log1p((hi - 1.0) + lo);
}

/* y[i] /= s: for float data as a product with 1/s in double (two double roundings before the
 * one to float: as accurate as the division and much faster); for double data a division. */
static inline void FA_SP(scale_row)(T *y, ptrdiff_t K, double s)
{
    if (sizeof(T) == sizeof(float)) {
        double inv = 1.0 / s;
#pragma omp simd
        for (ptrdiff_t i = 0; i < K; i++)
            y[i] = (T)((double)y[i] * inv);
    } else {
#pragma omp simd
        for (ptrdiff_t i = 0; i < K; i++)
            y[i] = (T)((double)y[i] / s);
    }
}

static void FA_SP(softmax_row)(int mode, const void *av, const void *bv, void *yv, ptrdiff_t K)
{
    const T *a = (const T *)av;
    const T *b = (const T *)bv;
    T *y = (T *)yv;
    if (mode == FA_SOFTMAX) {
        T m = FA_SP(row_max)(a, K);
        double lo, s = FA_SP(row_exp_sum)(a, m, y, K, &lo);
        s += lo;
        FA_SP(scale_row)(y, K, s);
    } else if (mode == FA_LOG_SOFTMAX) {
        T m = FA_SP(row_max)(a, K);
        double lo, hi = FA_SP(row_exp_sum)(a, m, NULL, K, &lo);
        double L = FA_SP(log_sum)(hi, lo);
#pragma omp simd
        for (ptrdiff_t i = 0; i < K; i++) {
            T r, c;
            FA_SM_DIFF(a[i], m, r, c);
            y[i] = (T)(((double)r - L) + (double)c);
        }
    } else if (mode == FA_SOFTMAX_BWD) {
        double d = FA_SP(row_sum)(a, b, K);
#pragma omp simd
        for (ptrdiff_t i = 0; i < K; i++)
            y[i] = (T)((double)b[i] * ((double)a[i] - d));
    } else {
        double s = FA_SP(row_sum)(a, NULL, K);
#pragma omp simd
        for (ptrdiff_t i = 0; i < K; i++)
            y[i] = (T)((double)a[i] - (double)FA_EXP(b[i]) * s);
    }
}

static void FA_SP(softmax_cols)(int mode, const void *av, const void *bv, void *yv, ptrdiff_t K,
                                ptrdiff_t nc, ptrdiff_t ld)
{
    const T *a = (const T *)av;
    const T *b = (const T *)bv;
    T *y = (T *)yv;
    T m[FA_SOFTMAX_COLS];
    double s[FA_SOFTMAX_COLS], comp[FA_SOFTMAX_COLS];
    for (ptrdiff_t j = 0; j < nc; j++)
        s[j] = comp[j] = 0.0;
    if (mode == FA_SOFTMAX || mode == FA_LOG_SOFTMAX) {
        for (ptrdiff_t j = 0; j < nc; j++)
            m[j] = (T)-INFINITY;
        for (ptrdiff_t k = 0; k < K; k++) {
            const T *ak = a + k * ld;
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                m[j] = FA_SP(nan_max)(m[j], ak[j]);
        }
        for (ptrdiff_t k = 0; k < K; k++) {
            const T *ak = a + k * ld;
            T *yk = y + k * ld;
            if (mode == FA_SOFTMAX) {
#pragma omp simd
                for (ptrdiff_t j = 0; j < nc; j++) {
                    T e = FA_SP(shifted_exp)(ak[j], m[j]);
                    yk[j] = e;
                    FA_SUM_ADD(s[j], comp[j], (double)e);
                }
            } else {
#pragma omp simd
                for (ptrdiff_t j = 0; j < nc; j++)
                    FA_SUM_ADD(s[j], comp[j], (double)FA_SP(shifted_exp)(ak[j], m[j]));
            }
        }
        if (mode == FA_SOFTMAX) {
            for (ptrdiff_t j = 0; j < nc; j++)
                s[j] += comp[j];
            if (sizeof(T) == sizeof(float))
                for (ptrdiff_t j = 0; j < nc; j++)
                    s[j] = 1.0 / s[j];
            for (ptrdiff_t k = 0; k < K; k++) {
                T *yk = y + k * ld;
                if (sizeof(T) == sizeof(float)) {
#pragma omp simd
                    for (ptrdiff_t j = 0; j < nc; j++)
                        yk[j] = (T)((double)yk[j] * s[j]);
                } else {
#pragma omp simd
                    for (ptrdiff_t j = 0; j < nc; j++)
                        yk[j] = (T)((double)yk[j] / s[j]);
                }
            }
        } else {
            for (ptrdiff_t j = 0; j < nc; j++)
                s[j] = FA_SP(log_sum)(s[j], comp[j]);
            for (ptrdiff_t k = 0; k < K; k++) {
                const T *ak = a + k * ld;
                T *yk = y + k * ld;
#pragma omp simd
                for (ptrdiff_t j = 0; j < nc; j++) {
                    T r, c;
                    FA_SM_DIFF(ak[j], m[j], r, c);
                    yk[j] = (T)(((double)r - s[j]) + (double)c);
                }
            }
        }
        return;
    }
    for (ptrdiff_t k = 0; k < K; k++) {
        const T *ak = a + k * ld, *bk = b + k * ld;
        if (mode == FA_SOFTMAX_BWD) {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                s[j] += (double)ak[j] * (double)bk[j];
        } else {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                s[j] += (double)ak[j];
        }
    }
    for (ptrdiff_t k = 0; k < K; k++) {
        const T *ak = a + k * ld, *bk = b + k * ld;
        T *yk = y + k * ld;
        if (mode == FA_SOFTMAX_BWD) {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                yk[j] = (T)((double)bk[j] * ((double)ak[j] - s[j]));
        } else {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                yk[j] = (T)((double)ak[j] - (double)FA_EXP(bk[j]) * s[j]);
        }
    }
}

/* ---------------------------------------------------------------- maxout */
/* v replaces the running maximum m when larger, or when it is the first NaN (bitwise, so the
 * loops stay branch-free). */
static inline int FA_SP(takes)(T v, T m)
{
    return (v > m) | ((v != v) & (m == m));
}

/* maxout over groups of P consecutive elements (inner == 1), in blocks of FA_MAXOUT_COLS
 * groups: one strided pass per piece, so the loops vectorize; P is a constant at the call
 * sites below for the common sizes. */
static inline void FA_SP(maxout_groups)(int backward, const T *g, const T *x, T *y,
                                        ptrdiff_t ngroups, ptrdiff_t P)
{
    T m[FA_MAXOUT_COLS];
    IT best[FA_MAXOUT_COLS];
    for (ptrdiff_t j0 = 0; j0 < ngroups; j0 += FA_MAXOUT_COLS) {
        ptrdiff_t nc = ngroups - j0 < FA_MAXOUT_COLS ? ngroups - j0 : FA_MAXOUT_COLS;
        const T *xb = x + j0 * P;
#pragma omp simd
        for (ptrdiff_t j = 0; j < nc; j++) {
            m[j] = xb[j * P];
            best[j] = 0;
        }
        for (ptrdiff_t p = 1; p < P; p++) {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++) {
                T v = xb[j * P + p];
                int t = FA_SP(takes)(v, m[j]);
                m[j] = t ? v : m[j];
                best[j] = t ? (IT)p : best[j];
            }
        }
        if (!backward) {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                y[j0 + j] = m[j];
            continue;
        }
        T *yb = y + j0 * P;
        for (ptrdiff_t p = 0; p < P; p++) {
#pragma omp simd
            for (ptrdiff_t j = 0; j < nc; j++)
                yb[j * P + p] = best[j] == (IT)p ? g[j0 + j] : (T)0;
        }
    }
}

static void FA_SP(maxout)(int backward, const void *gv, const void *xv, void *yv,
                          ptrdiff_t ngroups, ptrdiff_t pieces, ptrdiff_t inner)
{
    const T *g = (const T *)gv;
    const T *x = (const T *)xv;
    T *y = (T *)yv;
    if (inner == 1) {
        switch (pieces) {
        case 2: FA_SP(maxout_groups)(backward, g, x, y, ngroups, 2); break;
        case 3: FA_SP(maxout_groups)(backward, g, x, y, ngroups, 3); break;
        case 4: FA_SP(maxout_groups)(backward, g, x, y, ngroups, 4); break;
        default: FA_SP(maxout_groups)(backward, g, x, y, ngroups, pieces); break;
        }
        return;
    }
    for (ptrdiff_t j = 0; j < ngroups; j++) {
        const T *xj = x + j * pieces * inner;
        if (!backward) {
            T *yj = y + j * inner;
            /* in place is not possible here (y is smaller than x), so y can hold the max */
#pragma omp simd
            for (ptrdiff_t i = 0; i < inner; i++)
                yj[i] = xj[i];
            for (ptrdiff_t p = 1; p < pieces; p++) {
                const T *xp = xj + p * inner;
#pragma omp simd
                for (ptrdiff_t i = 0; i < inner; i++)
                    yj[i] = FA_SP(takes)(xp[i], yj[i]) ? xp[i] : yj[i];
            }
            continue;
        }
        const T *gj = g + j * inner;
        T *yj = y + j * pieces * inner;
        for (ptrdiff_t i0 = 0; i0 < inner; i0 += FA_MAXOUT_COLS) {
            ptrdiff_t nc = inner - i0 < FA_MAXOUT_COLS ? inner - i0 : FA_MAXOUT_COLS;
            T m[FA_MAXOUT_COLS];
            IT best[FA_MAXOUT_COLS];
#pragma omp simd
            for (ptrdiff_t i = 0; i < nc; i++) {
                m[i] = xj[i0 + i];
                best[i] = 0;
            }
            for (ptrdiff_t p = 1; p < pieces; p++) {
                const T *xp = xj + p * inner + i0;
#pragma omp simd
                for (ptrdiff_t i = 0; i < nc; i++) {
                    int t = FA_SP(takes)(xp[i], m[i]);
                    m[i] = t ? xp[i] : m[i];
                    best[i] = t ? (IT)p : best[i];
                }
            }
            for (ptrdiff_t p = 0; p < pieces; p++) {
                T *yp = yj + p * inner + i0;
#pragma omp simd
                for (ptrdiff_t i = 0; i < nc; i++)
                    yp[i] = best[i] == (IT)p ? gj[i0 + i] : (T)0;
            }
        }
    }
}

#undef FA_SM_DIFF
#undef FA_MAX_SETS
#undef FA_SP
#undef FA_SP2
#undef FA_SP_
/* the instantiation's parameters, set by fa_special.c */
#undef T
#undef IT
#undef SFX
#undef FA_EXP
#undef FA_U01
#undef FA_COMPENSATE
