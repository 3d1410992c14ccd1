/* Normalization kernels (BatchNorm, LayerNorm, GroupNorm, running statistics).
 *
 * Two tiers, like the activations:
 * - fa_norm.c (compiled once per ISA level, templated over T = float/double through
 *   fa_norm_impl.h) fills an fa_norm_table with serial loops over contiguous memory;
 * - fa_norm_run.c (compiled once, with OpenMP) plans the work, runs it on threads and calls the
 *   loops through fa_active.norm. Its entry points are declared at the end of this file.
 *
 * Data model: a C-contiguous array viewed as (outer, C, inner); "channel" c owns the
 * outer * inner elements x[o, c, i]. BatchNorm NCHW is (N, C, H*W), channels-last and 2-D input
 * are (rows, C, 1), LayerNorm rows are (1, rows, D), GroupNorm groups (1, N*G, C/G*H*W).
 *
 * Statistics are exact and bit-reproducible: float32 data is accumulated in double; a leaf (a
 * short contiguous piece of one channel) is reduced with shifted sums, the shift being the leaf's
 * first element (so the cancellation is bounded by the leaf length, never by |mean|/std), in
 * FA_NORM_LANES explicit lanes; leaves are merged with Chan's formula sequentially inside a
 * segment, segments in a fixed pairwise tree. Leaf and segment boundaries depend only on the
 * shape, so results are bit-identical for any thread count and any ISA level.
 *
 * Per-ISA kernels receive per-channel parameters already rounded to T, at offsets FA_NP_* of a
 * parameter block (run kernels: doubles p[FA_NP_COUNT]; column kernels: T arrays of stride pld).
 * The affine map is v = (x - mh) * s + c, c = b - ml * s, where mh + ml is the channel's float64
 * center split in two T values: x - mh is exact for data near the mean, so v stays exact far
 * from zero, and the three per-channel values (mh, s, c) are all the forward loads. The
 * backward needs the centered value itself, d = (x - mh) - ml: dx = dv * k + d * q + r, and
 * recomputes the activation's mask from v exactly as the forward computed it. The column kernels
 * leave ml out of the loops (one parameter stream less): their sums are taken about mh (the
 * caller subtracts ml * sum dv) and their r has ml * q folded in.
 * Column kernels split each row where x reaches a cache-line boundary, so the main loop's loads
 * of x are aligned; parameters (and column partials) are placed at x's offset in a cache line.
 *
 * Fused activation act (NULL = none): act[0] = lo, act[1] = hi, act[2] = slope;
 *   f(v) = min(max(v < 0 ? v * slope : v, lo), hi), a NaN bound meaning no bound;
 *   f'(v) = 0 where v <= lo or v >= hi, else (v > 0 ? 1 : slope).
 * relu = (0, NaN, 1), relu6 = (0, 6, 1), hardtanh(a, b) = (a, b, 1), leaky_relu(s) = (NaN, NaN, s).
 */
#ifndef FA_NORM_H
#define FA_NORM_H

#include <stddef.h>

#define FA_NORM_LANES 16     /* explicit accumulator lanes of the contiguous reductions */
#define FA_NORM_LEAF_ROWS 128 /* rows per leaf of the column statistics */
/* Column statistics and backward sums split rows of at least this many bytes at x's first
 * cache-line boundary, so that the main span's loads are aligned; the elementwise passes run
 * shorter rows several at a time (fa_plan.flat in fa_norm_run.c). Shorter rows are not split:
 * with channels-last (.., 64) rows 16 bytes off a line, the split's head and tail loops (12 and
 * 4 columns of four rows) made the statistics 0.72 -> 0.42 and the backward sums 1.8-2.1 ->
 * 1.15 of the copy's time at 2 threads (0.55 -> 0.32 and 1.6 -> 1.24 at 1 thread) */
#define FA_NORM_SPLIT_MIN 1024

/* Offsets in a parameter block. */
enum { FA_NP_MH = 0, FA_NP_ML, FA_NP_S, FA_NP_B, FA_NP_K, FA_NP_Q, FA_NP_R, FA_NP_COUNT };

/* res = (mean, M2) of x[0..n), n >= 1 */
typedef void (*fa_norm_run_stats_fn)(const void *x, ptrdiff_t n, double *res);
/* mean[j], m2[j] of column j < ncols over `rows` rows of stride ld (elements); work: 64-byte
 * aligned, 3 * ((ncols + 7) / 8 * 8 + 8) doubles */
typedef void (*fa_norm_col_stats_fn)(const void *x, ptrdiff_t rows, ptrdiff_t ncols,
                                     ptrdiff_t ld, double *mean, double *m2, double *work);
/* y = act(v) on a run of n elements with one channel's parameters p */
typedef void (*fa_norm_run_apply_fn)(const void *x, void *y, ptrdiff_t n, const double *p,
                                     const double *act);
/* y = act(v) on rows x ncols, parameters per column (T arrays at prm + k * pld) */
typedef void (*fa_norm_col_apply_fn)(const void *x, void *y, ptrdiff_t rows, ptrdiff_t ncols,
                                     ptrdiff_t ld, const void *prm, ptrdiff_t pld,
                                     const double *act);
/* res = (sum dv, sum dv * d), dv = dy * act'(v), d = (x - mh) - ml; when dx != NULL also
 * dx = dv * k */
typedef void (*fa_norm_run_bwd_sums_fn)(const void *dy, const void *x, void *dx, ptrdiff_t n,
                                        const double *p, const double *act, double *res);
/* A[j], B[j] = the same sums per column over the rows (rows in groups of 4, in order), B taken
 * about mh alone (d = x - mh) */
typedef void (*fa_norm_col_bwd_sums_fn)(const void *dy, const void *x, void *dx, ptrdiff_t rows,
                                        ptrdiff_t ncols, ptrdiff_t ld, const void *prm,
                                        ptrdiff_t pld, const double *act, double *A, double *B);
/* dx = dv * k + ((x - mh) - ml) * q + r (column kernel: dx = dv * k + (x - mh) * q + r, r with
 * ml * q folded in) */
typedef void (*fa_norm_run_bwd_apply_fn)(const void *dy, const void *x, void *dx, ptrdiff_t n,
                                         const double *p, const double *act);
typedef void (*fa_norm_col_bwd_apply_fn)(const void *dy, const void *x, void *dx,
                                         ptrdiff_t rows, ptrdiff_t ncols, ptrdiff_t ld,
                                         const void *prm, ptrdiff_t pld, const double *act);
/* LayerNorm row: y = (((x - mh) - ml) * s) * w[i] + b[i], p = (mh, ml, s) */
typedef void (*fa_norm_ln_apply_fn)(const void *x, void *y, ptrdiff_t n, const double *p,
                                    const void *w, const void *b);
/* run_stats of xs and ln_apply of another row xa -> ya in one loop (both of n elements) */
typedef void (*fa_norm_ln_stats_apply_fn)(const void *xs, ptrdiff_t n, double *res,
                                          const void *xa, void *ya, const double *p,
                                          const void *w, const void *b);
/* LayerNorm backward of nr consecutive rows of n elements (mean, invstd per row): dx, and
 * gw[i] += sum over the rows of dy x_hat, gb[i] += sum of dy */
typedef void (*fa_norm_ln_bwd_fn)(const void *dy, const void *x, void *dx, ptrdiff_t nr,
                                  ptrdiff_t n, const double *mean, const double *invstd,
                                  const void *w, double *gw, double *gb);

typedef struct {
    fa_norm_run_stats_fn run_stats[2];
    fa_norm_col_stats_fn col_stats[2];
    fa_norm_run_apply_fn run_apply[2];
    fa_norm_col_apply_fn col_apply[2];
    fa_norm_run_bwd_sums_fn run_bwd_sums[2];
    fa_norm_col_bwd_sums_fn col_bwd_sums[2];
    fa_norm_run_bwd_apply_fn run_bwd_apply[2];
    fa_norm_col_bwd_apply_fn col_bwd_apply[2];
    fa_norm_ln_apply_fn ln_apply[2];
    fa_norm_ln_stats_apply_fn ln_stats_apply[2];
    fa_norm_ln_bwd_fn ln_bwd[2];
} fa_norm_table;

void fa_fill_norm_baseline(fa_norm_table *t);
void fa_fill_norm_avx2(fa_norm_table *t);
void fa_fill_norm_avx512(fa_norm_table *t);

/* Chan's merge of (mb, m2b) into (*ma, *m2a) with the factors fb = nb / (na + nb) and
 * fab = na * fb given: the one formula every merge uses. Callers merging many columns or channels
 * of the same counts compute the factors once (a division per channel took a quarter of a
 * (10, 100) RunningStats.update). */
static inline void fa_chan_merge_by(double fb, double fab, double *ma, double *m2a, double mb,
                                    double m2b)
{
    double d = mb - *ma;
    *ma = *ma + d * fb;
    *m2a = *m2a + m2b + d * d * fab;
}

/* Chan's merge of (nb, mb, m2b) into (na, *ma, *m2a) */
static inline void fa_chan_merge(double na, double *ma, double *m2a, double nb, double mb,
                                 double m2b)
{
    double fb = nb / (na + nb);
    fa_chan_merge_by(fb, na * fb, ma, m2a, mb, m2b);
}

/* ---- fa_norm_run.c: threaded entry points. dt is FA_F32 or FA_F64; arrays C-contiguous.
 * Per-channel arrays are double[C]. Return 0, or -1 when a workspace allocation failed. */

/* mean, m2 per channel over outer * inner elements (NaN when that count is 0) */
int fa_norm_stats(int dt, const void *x, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                  double *mean, double *m2, int nthreads);
/* RunningStats.update: the statistics of x (nb = outer * inner values per channel) merged with
 * fa_chan_merge into a state of `count` values per channel and mean[C], m2[C] of dtype sdt,
 * updated in place (count 0: the state becomes the batch's). Nothing changes when nb is 0. */
int fa_norm_stats_merge(int dt, const void *x, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                        int sdt, double count, void *mean, void *m2, int nthreads);
/* y = act(((x - center) * scale) + shift) per channel; shift may be NULL (0) */
int fa_norm_apply(int dt, const void *x, void *y, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                  const double *center, const double *scale, const double *shift,
                  const double *act, int nthreads);
/* BatchNorm eval forward: invstd = 1/sqrt(var + eps) returned, y = act((x - mean) * invstd * w
 * + b) in one pass (fa_norm_apply); w, b may be NULL. */
int fa_norm_forward_eval(int dt, const void *x, void *y, ptrdiff_t outer, ptrdiff_t C,
                         ptrdiff_t inner, const double *mean, const double *var, const double *w,
                         const double *b, double eps, const double *act, double *invstd,
                         int nthreads);
/* BatchNorm training forward: statistics, then y = act((x - mean) * invstd * w + b).
 * w, b may be NULL; returns mean, biased var and invstd = 1/sqrt(var + eps). */
int fa_norm_forward_train(int dt, const void *x, void *y, ptrdiff_t outer, ptrdiff_t C,
                          ptrdiff_t inner, const double *w, const double *b, double eps,
                          const double *act, double *mean, double *var, double *invstd,
                          int nthreads);
/* BatchNorm backward. training: the statistics were the batch's; else constants.
 * gw = sum dv * x_hat, gb = sum dv per channel; dx written. */
int fa_norm_backward(int dt, const void *dy, const void *x, void *dx, ptrdiff_t outer,
                     ptrdiff_t C, ptrdiff_t inner, const double *mean, const double *invstd,
                     const double *w, const double *b, const double *act, int training,
                     double *gw, double *gb, int nthreads);
/* The two halves of a backward, for normalizations whose coefficients mix channels (GroupNorm):
 * A = sum dv, B = sum dv * (x - center); then dx = dv * k + (x - center) * q + r. */
int fa_norm_bwd_reduce(int dt, const void *dy, const void *x, ptrdiff_t outer, ptrdiff_t C,
                       ptrdiff_t inner, const double *center, const double *scale,
                       const double *shift, const double *act, double *A, double *B,
                       int nthreads);
int fa_norm_bwd_apply(int dt, const void *dy, const void *x, void *dx, ptrdiff_t outer,
                      ptrdiff_t C, ptrdiff_t inner, const double *center, const double *scale,
                      const double *shift, const double *act, const double *k, const double *q,
                      const double *r, int nthreads);
/* LayerNorm over the last axis of (rows, D): w, b are T arrays of D or NULL. */
int fa_layer_norm_forward(int dt, const void *x, void *y, ptrdiff_t rows, ptrdiff_t D,
                          const void *w, const void *b, double eps, double *mean, double *invstd,
                          int nthreads);
int fa_layer_norm_backward(int dt, const void *dy, const void *x, void *dx, ptrdiff_t rows,
                           ptrdiff_t D, const double *mean, const double *invstd, const void *w,
                           double *gw, double *gb, int nthreads);

#endif
