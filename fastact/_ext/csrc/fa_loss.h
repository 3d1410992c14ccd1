/* Losses and reductions for the layer API (drivers compiled once; OpenMP over independent rows
 * or fixed blocks, so results do not depend on the thread count). The softmax cross-entropy row
 * kernel is compiled per ISA level (fa_loss_row.c, fa_active.xent_row) with explicit lanes, so
 * results do not depend on the level either. */
#ifndef FA_LOSS_H
#define FA_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* Softmax cross-entropy of each row of x (n rows of c logits, dtype dt = FA_F32/FA_F64,
 * C-contiguous) against labels[i] in [0, c): loss[i] = logsumexp(x_i) - x_i[labels[i]] (float64),
 * grad_i = (softmax(x_i) - onehot(labels[i])) * scale in x's dtype. Computed in float64 with the
 * row maximum subtracted (exp by fa_exp_f64, the sum in 8 fixed lanes). Returns 0. */
int fa_softmax_xent(int dt, const void *x, const int64_t *labels, ptrdiff_t n, ptrdiff_t c,
                    double scale, void *grad, double *loss, int nthreads);

/* Sum of x[i]^2 over n elements of dtype dt, accumulated in float64 over fixed blocks of
 * FA_SUMSQ_BLOCK elements merged in order (the same result for any thread count).
 * Returns 0, or -1 when the block workspace cannot be allocated. */
#define FA_SUMSQ_BLOCK 8192
int fa_sum_squares(int dt, const void *x, ptrdiff_t n, double *result, int nthreads);

#endif
