/* Activations that are not elementwise maps (prelu, rrelu, dropout, softmax, log_softmax,
 * maxout): the table each ISA variant of fa_special.c fills, and the threaded entry points of
 * fa_special_run.c.
 *
 * Two tiers, like the normalization kernels:
 * - fa_special.c (compiled once per ISA level, templated over T = float/double) fills an
 *   fa_special_table with serial loops over contiguous memory;
 * - fa_special_run.c (compiled once, with OpenMP) plans the work in pieces that depend only on
 *   the shape, runs the pieces on threads and reduces partial results in a fixed order, so
 *   every result is bit-identical for any thread count and any ISA level.
 *
 * Data model: a C-contiguous array viewed as (outer, K, inner) around the axis of the op
 * (prelu's channel axis, softmax's axis, maxout's feature axis). Exactly aliased input and
 * output are allowed everywhere (in place); partial overlap is not.
 */
#ifndef FA_SPECIAL_H
#define FA_SPECIAL_H

#include <stddef.h>
#include <stdint.h>

/* Modes of the prelu kernels: FA_PRELU_GRAD_INPUT is the backward without the weight
 * gradient (rrelu's). */
enum { FA_PRELU_FORWARD = 0, FA_PRELU_DERIVATIVE = 1, FA_PRELU_BACKWARD = 2,
       FA_PRELU_GRAD_INPUT = 3 };
/* Modes of the softmax kernels: forward from x (a); backward from (a = grad_output,
 * b = the forward's output). */
enum { FA_SOFTMAX = 0, FA_LOG_SOFTMAX = 1, FA_SOFTMAX_BWD = 2, FA_LOG_SOFTMAX_BWD = 3 };
/* Philox streams: one per random op, so one seed gives independent draws in each. */
enum { FA_STREAM_RRELU = 1, FA_STREAM_DROPOUT = 2 };

#define FA_SPECIAL_LANES 16 /* accumulator lanes of the reductions */
#define FA_SOFTMAX_COLS 256 /* columns per block of the strided (column) softmax kernel */
#define FA_MAXOUT_COLS 256  /* columns per block of the strided maxout backward */

/* prelu over one run of n elements sharing the slope w (float64, rounded to T once):
 * forward y = x > 0 ? x : w x; derivative y = x > 0 ? 1 : w (NaN for NaN);
 * backward y = g * derivative and acc[k] += the sum of g x over x <= 0 of elements i with
 * i % FA_SPECIAL_LANES == k (float64; the caller sums the lanes);
 * grad-input y = g * derivative. */
typedef void (*fa_prelu_run_fn)(int mode, const void *g, const void *x, void *y, ptrdiff_t n,
                                double w, double *acc);
/* The same with one slope per element over nrows rows of n elements at stride ld (elements):
 * w (T) of n elements; acc[i] += g x of each row in turn, per element. */
typedef void (*fa_prelu_vec_fn)(int mode, const void *g, const void *x, void *y, ptrdiff_t n,
                                ptrdiff_t nrows, ptrdiff_t ld, const void *w, double *acc);
/* rrelu in training over elements [start, start + n) of a call (start a multiple of 4):
 * a = U(lower, upper) from Philox; y = x <= 0 ? a x : x; noise = x <= 0 ? a : 1. */
typedef void (*fa_rrelu_fn)(const void *x, void *y, void *noise, ptrdiff_t n, uint64_t start,
                            uint64_t seed, double lower, double upper);
/* dropout over elements [start, start + n) (start a multiple of 4): keep = word >= threshold;
 * mask = keep; y = x * (keep ? scale : 0). */
typedef void (*fa_dropout_fn)(const void *x, void *y, unsigned char *mask, ptrdiff_t n,
                              uint64_t start, uint64_t seed, uint64_t threshold, double scale);
/* y = g * (mask ? scale : 0) */
typedef void (*fa_dropout_bwd_fn)(const void *g, const unsigned char *mask, void *y,
                                  ptrdiff_t n, double scale);
/* y = a * b */
typedef void (*fa_mul_fn)(const void *a, const void *b, void *y, ptrdiff_t n);
/* Softmax family over one contiguous row of K elements (mode FA_SOFTMAX...). */
typedef void (*fa_softmax_row_fn)(int mode, const void *a, const void *b, void *y, ptrdiff_t K);
/* The same over ncols <= FA_SOFTMAX_COLS columns of K rows of stride ld (elements), each
 * column reduced on its own. */
typedef void (*fa_softmax_cols_fn)(int mode, const void *a, const void *b, void *y, ptrdiff_t K,
                                   ptrdiff_t ncols, ptrdiff_t ld);
/* maxout over ngroups groups of `pieces` consecutive slices of `inner` elements:
 * forward (g unused) y[j, i] = max_p x[j, p, i] (NaN wins);
 * backward y[j, p, i] = g[j, i] where p is the first maximum (first NaN) of x[j, :, i], else 0. */
typedef void (*fa_maxout_fn)(int backward, const void *g, const void *x, void *y,
                             ptrdiff_t ngroups, ptrdiff_t pieces, ptrdiff_t inner);

typedef struct {
    fa_prelu_run_fn prelu_run[2];
    fa_prelu_vec_fn prelu_vec[2];
    fa_rrelu_fn rrelu[2];
    fa_dropout_fn dropout[2];
    fa_dropout_bwd_fn dropout_bwd[2];
    fa_mul_fn mul[2];
    fa_softmax_row_fn softmax_row[2];
    fa_softmax_cols_fn softmax_cols[2];
    fa_maxout_fn maxout[2];
} fa_special_table;

void fa_fill_special_baseline(fa_special_table *t);
void fa_fill_special_avx2(fa_special_table *t);
void fa_fill_special_avx512(fa_special_table *t);

/* ---------------------------------------------------------------- fa_special_run.c
 * dt is FA_F32 or FA_F64; nthreads the thread budget; grain the minimum elements per thread
 * (serial below twice that). Return 0, or -1 when a workspace could not be allocated. */

/* prelu on x viewed as (outer, C, inner), w[C] float64 slopes; gw[C] (float64) receives the
 * weight gradient in FA_PRELU_BACKWARD mode. */
int fa_prelu(int dt, int mode, const void *g, const void *x, void *y, ptrdiff_t outer,
             ptrdiff_t C, ptrdiff_t inner, const double *w, double *gw, int nthreads,
             ptrdiff_t grain);
void fa_rrelu_train(int dt, const void *x, void *y, void *noise, ptrdiff_t n, uint64_t seed,
                    double lower, double upper, int nthreads, ptrdiff_t grain);
/* dropout in training with drop probability p in [0, 1] */
void fa_dropout_train(int dt, const void *x, void *y, unsigned char *mask, ptrdiff_t n,
                      uint64_t seed, double p, int nthreads, ptrdiff_t grain);
void fa_dropout_backward(int dt, const void *g, const unsigned char *mask, void *y,
                         ptrdiff_t n, double scale, int nthreads, ptrdiff_t grain);
void fa_mul(int dt, const void *a, const void *b, void *y, ptrdiff_t n, int nthreads,
            ptrdiff_t grain);
/* softmax family along K of (outer, K, inner) */
void fa_softmax(int dt, int mode, const void *a, const void *b, void *y, ptrdiff_t outer,
                ptrdiff_t K, ptrdiff_t inner, int nthreads, ptrdiff_t grain);
/* maxout along K = G * pieces of (outer, K, inner); y is (outer, G, inner) forward,
 * (outer, K, inner) backward (g then (outer, G, inner)). */
void fa_maxout(int dt, int backward, const void *g, const void *x, void *y, ptrdiff_t outer,
               ptrdiff_t G, ptrdiff_t pieces, ptrdiff_t inner, int nthreads, ptrdiff_t grain);

#endif
