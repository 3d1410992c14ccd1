/* fa_loss_row.c: one row of softmax cross-entropy (loss and gradient), compiled once per ISA
 * level (FA_ISA); the threaded driver is fa_softmax_xent in fa_loss.c. Only selects, arithmetic
 * and fa_math.h, so the bits are the same at every level. */
#include <math.h>
#include <stdint.h>

#include "fa_kernels.h"
#include "fa_math.h"

#ifndef FA_ISA
#error "FA_ISA must name the ISA level this object is compiled for"
#endif

#define FA_XENT_CHUNK 1024  /* float64 exponentials kept per row chunk (a multiple of 8) */

/* One row: m = max (8 lanes, then a fixed tree), e_j = e^(x_j - m) in float64 by fa_exp_f64
 * (vectorizable; -inf -> 0, NaN -> NaN, results below DBL_MIN flushed to 0), s = sum e_j in 8
 * fixed lanes (element j in lane j mod 8) merged by a fixed tree, so the bits depend on neither
 * the thread count nor the ISA. Non-finite rows: a NaN logit makes e NaN, so s, the loss and the
 * whole gradient are NaN; a +inf logit gives x - m = inf - inf = NaN, the same; a -inf logit
 * below a finite maximum gives e = 0 exactly (softmax 0, loss inf if it is the label). The
 * exponentials of a row of at most FA_XENT_CHUNK classes are computed once and reused for the
 * gradient; longer rows recompute them chunk by chunk (the same bits). */
#define FA_XENT_ROW(T)                                                                     \
    static void fa_xent_exps_##T(const T *x, double m, ptrdiff_t len, double *e)          \
    {                                                                                      \
        for (ptrdiff_t j = 0; j < len; j++)                                                \
            e[j] = fa_exp_f64((double)x[j] - m);                                           \
    }                                                                                      \
    static void fa_xent_row_##T(const void *xv, int64_t label, ptrdiff_t c, double scale,     \
                                void *gv, double *loss)                                              \
    {                                                                                      \
        const T *x = (const T *)xv;                                                        \
        T *g = (T *)gv;                                                                    \
        double e[FA_XENT_CHUNK];                                                           \
        double mx[8], acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                    \
        for (int k = 0; k < 8; k++)                                                        \
            mx[k] = (double)x[0];                                                          \
        ptrdiff_t j = 0;                                                                   \
        for (; j + 8 <= c; j += 8)                                                         \
            for (int k = 0; k < 8; k++)                                                    \
                mx[k] = (double)x[j + k] > mx[k] ? (double)x[j + k] : mx[k];               \
        for (; j < c; j++)                                                                 \
            mx[j & 7] = (double)x[j] > mx[j & 7] ? (double)x[j] : mx[j & 7];               \
        double m01 = mx[1] > mx[0] ? mx[1] : mx[0], m23 = mx[3] > mx[2] ? mx[3] : mx[2];    \
        double m45 = mx[5] > mx[4] ? mx[5] : mx[4], m67 = mx[7] > mx[6] ? mx[7] : mx[6];    \
        double m03 = m23 > m01 ? m23 : m01, m47 = m67 > m45 ? m67 : m45;                    \
        double m = m47 > m03 ? m47 : m03;                                                  \
        for (ptrdiff_t j0 = 0; j0 < c; j0 += FA_XENT_CHUNK) {                              \
            ptrdiff_t len = c - j0 < FA_XENT_CHUNK ? c - j0 : FA_XENT_CHUNK;               \
            fa_xent_exps_##T(x + j0, m, len, e);                                           \
            ptrdiff_t i = 0;                                                               \
            for (; i + 8 <= len; i += 8)                                                   \
                for (int k = 0; k < 8; k++)                                                \
                    acc[k] += e[i + k];                                                    \
            for (; i < len; i++)                                                           \
                acc[i & 7] += e[i];                                                        \
        }                                                                                  \
        double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
        double inv = 1.0 / s;                                                              \
        for (ptrdiff_t j0 = 0; j0 < c; j0 += FA_XENT_CHUNK) {                              \
            ptrdiff_t len = c - j0 < FA_XENT_CHUNK ? c - j0 : FA_XENT_CHUNK;               \
            if (c > FA_XENT_CHUNK)                                                         \
                fa_xent_exps_##T(x + j0, m, len, e);                                       \
            for (ptrdiff_t i = 0; i < len; i++)                                            \
                g[j0 + i] = (T)(e[i] * inv * scale);                                       \
            if (label >= j0 && label < j0 + len)                                           \
                g[label] = (T)((e[label - j0] * inv - 1.0) * scale);                       \
        }                                                                                  \
        *loss = m + log(s) - (double)x[label];                                             \
    }

FA_XENT_ROW(float)
FA_XENT_ROW(double)

#define FA_FILL_LOSS_(isa) fa_fill_loss_##isa
#define FA_FILL_LOSS(isa) FA_FILL_LOSS_(isa)

void FA_FILL_LOSS(FA_ISA)(fa_table *t)
{
    t->xent_row[FA_F32] = fa_xent_row_float;
    t->xent_row[FA_F64] = fa_xent_row_double;
}
