/* Elementwise activation kernels, compiled once per ISA level (FA_ISA = baseline | avx2 |
 * avx512, see setup.py). The point functions live in fa_act_ops.h, written once over a generic
 * type T and instantiated here for float and double; the loops below are the only loops. */
#include <math.h>
#include <stddef.h>

#include "fa_kernels.h"
#include "fa_math.h"

#ifndef FA_ISA
#error "FA_ISA must name the ISA level this object is compiled for"
#endif

#define FA_CAT3_(a, b, c) a##_##b##_##c
#define FA_CAT3(a, b, c) FA_CAT3_(a, b, c)
/* FA_PT(op, kind): the point function op_kind_SFX */
#define FA_PT(op, kind) FA_CAT3(op, kind, SFX)

/* y[i] = op_kind(x[i]) */
#define FA_UNARY_LOOP(op, kind)                                                               \
    static void FA_CAT3(loop_##op, kind, SFX)(const void *xv, void *yv, ptrdiff_t n,          \
                                              const double *pd)                               \
    {                                                                                         \
        const T *restrict x = (const T *)xv;                                                  \
        T *restrict y = (T *)yv;                                                              \
        T p[FA_MAX_PARAMS];                                                                   \
        for (int k = 0; k < FA_MAX_PARAMS; k++)                                               \
            p[k] = (T)pd[k];                                                                  \
        _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++) y[i] = FA_PT(op, kind)(x[i], p); \
    }

/* y[i] = g[i] * op_kind(x[i]): the fused backward, from x or from the output */
#define FA_GRAD_LOOP(op, kind)                                                                \
    static void FA_CAT3(loop_##op, kind##_grad, SFX)(const void *gv, const void *xv, void *yv,\
                                                     ptrdiff_t n, const double *pd)           \
    {                                                                                         \
        const T *restrict g = (const T *)gv;                                                  \
        const T *restrict x = (const T *)xv;                                                  \
        T *restrict y = (T *)yv;                                                              \
        T p[FA_MAX_PARAMS];                                                                   \
        for (int k = 0; k < FA_MAX_PARAMS; k++)                                               \
            p[k] = (T)pd[k];                                                                  \
        _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)                                 \
            y[i] = g[i] * FA_PT(op, kind)(x[i], p);                                           \
    }

#define FA_OP_LOOPS(op, from_output)                                                          \
    FA_UNARY_LOOP(op, forward)                                                                \
    FA_UNARY_LOOP(op, derivative)                                                             \
    FA_GRAD_LOOP(op, derivative)                                                              \
    FA_OUTPUT_LOOP_##from_output(op)
#define FA_OUTPUT_LOOP_1(op) FA_GRAD_LOOP(op, derivative_output)
#define FA_OUTPUT_LOOP_0(op)

/* y[i] = a[i] + b[i]: the roof for a backward (two reads, one write) */
#define FA_ADD_LOOP                                                                           \
    static void FA_CAT3(loop, add, SFX)(const void *av, const void *bv, void *yv,             \
                                        ptrdiff_t n, const double *pd)                        \
    {                                                                                         \
        const T *restrict a = (const T *)av;                                                  \
        const T *restrict b = (const T *)bv;                                                  \
        T *restrict y = (T *)yv;                                                              \
        (void)pd;                                                                             \
        _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++) y[i] = a[i] + b[i];             \
    }

#define T float
#define SFX f32
#define FA_M(fn) fa_##fn##_f32
#define FA_ABS(v) fabsf(v)
#include "fa_act_ops.h"
FA_ACTIVATIONS(FA_OP_LOOPS)
FA_ADD_LOOP
#undef T
#undef SFX
#undef FA_M
#undef FA_ABS

#define T double
#define SFX f64
#define FA_M(fn) fa_##fn##_f64
#define FA_ABS(v) fabs(v)
#include "fa_act_ops.h"
FA_ACTIVATIONS(FA_OP_LOOPS)
FA_ADD_LOOP
#undef T
#undef SFX
#undef FA_M
#undef FA_ABS

#define FA_SET_DTYPE(op, from_output, sfx, dt)                                                \
    t->forward[FA_OP_##op][dt] = loop_##op##_forward_##sfx;                                   \
    t->derivative[FA_OP_##op][dt] = loop_##op##_derivative_##sfx;                             \
    t->backward[FA_OP_##op][dt] = loop_##op##_derivative_grad_##sfx;                          \
    FA_SET_OUTPUT_##from_output(op, sfx, dt)
#define FA_SET_OUTPUT_1(op, sfx, dt)                                                          \
    t->backward_output[FA_OP_##op][dt] = loop_##op##_derivative_output_grad_##sfx;
#define FA_SET_OUTPUT_0(op, sfx, dt)
#define FA_SET_OP(op, from_output)                                                            \
    FA_SET_DTYPE(op, from_output, f32, FA_F32)                                                \
    FA_SET_DTYPE(op, from_output, f64, FA_F64)

#define FA_FILL_(isa) fa_fill_act_##isa
#define FA_FILL(isa) FA_FILL_(isa)

void FA_FILL(FA_ISA)(fa_table *t)
{
    FA_ACTIVATIONS(FA_SET_OP)
    t->add[FA_F32] = loop_add_f32;
    t->add[FA_F64] = loop_add_f64;
}
