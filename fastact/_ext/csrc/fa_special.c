/* Non-elementwise activation kernels, compiled once per ISA level like fa_act.c. The loops
 * live in fa_special_impl.h, written once over T and instantiated here for float and double. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fa_kernels.h"
#include "fa_math.h"
#include "fa_philox.h"

#ifndef FA_ISA
#error "FA_ISA must name the ISA level this object is compiled for"
#endif

#define FA_LANES FA_SPECIAL_LANES

/* Vectors of 8 doubles (GCC/Clang vector extensions: lowered to whatever the ISA
 * level has, so every level computes the same lanes in the same order). */
typedef double fa_v8d __attribute__((vector_size(64)));
#define FA_EXP_BLOCK 256 /* softmax terms computed per block before they are summed */

/* s[0], s[1] (16 lanes) += d[j .. j + 16) for each block of 16 of the nb (a multiple of 16)
 * terms, in order: lane k adds the terms j = k mod 16, the lanes of fa_lanes_sum. */
static inline void fa_lanes_add16(fa_v8d *s, const double *d, ptrdiff_t nb)
{
    fa_v8d s0 = s[0], s1 = s[1];
    for (ptrdiff_t j = 0; j < nb; j += 16) {
        fa_v8d d0, d1;
        memcpy(&d0, d + j, sizeof d0);
        memcpy(&d1, d + j + 8, sizeof d1);
        s0 += d0;
        s1 += d1;
    }
    s[0] = s0;
    s[1] = s1;
}

/* The lanes of a reduction, summed in a fixed pairwise order. */
static inline double fa_lanes_sum(double *lane)
{
    for (int w = FA_LANES / 2; w >= 1; w /= 2)
        for (int k = 0; k < w; k++)
            lane[k] += lane[k + w];
    return lane[0];
}

/* s + c += v: plain for float data (its terms are exact in double), TwoSum-compensated for
 * double data. Branch-free either way (FA_COMPENSATE is a constant). */
#define FA_SUM_ADD(s, c, v)                                                                   \
    do {                                                                                      \
        double v_ = (v), t_ = (s) + v_;                                                       \
        if (FA_COMPENSATE) {                                                                  \
            double b_ = t_ - (s);                                                             \
            (c) += ((s) - (t_ - b_)) + (v_ - b_);                                             \
        }                                                                                     \
        (s) = t_;                                                                             \
    } while (0)

/* hi + *lo = the lanes plus their compensations, combined pairwise with TwoSum (so a lane
 * holding exp(0) = 1 does not swallow the small lanes). */
static inline double fa_lanes_sum2(double *lane, double *comp, double *lo)
{
    for (int w = FA_LANES / 2; w >= 1; w /= 2)
        for (int k = 0; k < w; k++) {
            double a = lane[k], b = lane[k + w], t = a + b, bb = t - a;
            comp[k] += comp[k + w] + ((a - (t - bb)) + (b - bb));
            lane[k] = t;
        }
    *lo = comp[0];
    return lane[0];
}

#define T float
#define FA_COMPENSATE 0
#define IT int32_t
#define SFX f32
#define FA_EXP fa_exp_f32
#define FA_U01 fa_u01_f32
#include "fa_special_impl.h"

#define T double
#define FA_COMPENSATE 1
#define IT int64_t
#define SFX f64
#define FA_EXP fa_exp_f64
#define FA_U01 fa_u01_f64
#include "fa_special_impl.h"

#define FA_FILL_SPECIAL_(isa) fa_fill_special_##isa
#define FA_FILL_SPECIAL(isa) FA_FILL_SPECIAL_(isa)
#define FA_SET(field, name)                                                                   \
    t->field[FA_F32] = name##_f32;                                                            \
    t->field[FA_F64] = name##_f64;

void FA_FILL_SPECIAL(FA_ISA)(fa_special_table *t)
{
    FA_SET(prelu_run, prelu_run)
    FA_SET(prelu_vec, prelu_vec)
    FA_SET(rrelu, rrelu)
    FA_SET(dropout, dropout)
    FA_SET(dropout_bwd, dropout_bwd)
    FA_SET(mul, mul)
    FA_SET(softmax_row, softmax_row)
    FA_SET(softmax_cols, softmax_cols)
    FA_SET(maxout, maxout)
}
