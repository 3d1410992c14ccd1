/* swish's backward with the gradient of beta: grad_input = grad_output * d swish/dx and
 * grad_beta = sum(grad_output * d swish/d beta) in one pass, reduced in fixed blocks of
 * FA_SWISH_BLOCK elements added in block order (bit-identical at any thread count and ISA
 * level). One version per ISA level lives in fa_act.c (fa_act_smooth.h); fa_swish_backward_beta
 * calls the one of the level in use. */
#ifndef FA_SWISH_H
#define FA_SWISH_H

#include <stddef.h>

#include "fa_kernels.h"

#define FA_SWISH_BLOCK 4096

/* dtype: FA_F32 or FA_F64; block_sums: room for ceil(n / FA_SWISH_BLOCK) doubles. */
typedef double (*fa_swish_beta_fn)(int dtype, const void *g, const void *x, void *gi,
                                   ptrdiff_t n, double beta, double *block_sums, int nthreads);
double fa_swish_backward_beta_baseline(int dtype, const void *g, const void *x, void *gi,
                                       ptrdiff_t n, double beta, double *block_sums,
                                       int nthreads);
double fa_swish_backward_beta_avx2(int dtype, const void *g, const void *x, void *gi,
                                   ptrdiff_t n, double beta, double *block_sums, int nthreads);
double fa_swish_backward_beta_avx512(int dtype, const void *g, const void *x, void *gi,
                                     ptrdiff_t n, double beta, double *block_sums,
                                     int nthreads);

/* The version for the ISA level in use (only levels this build compiled are referenced). */
static inline double fa_swish_backward_beta(int dtype, const void *g, const void *x, void *gi,
                                            ptrdiff_t n, double beta, double *block_sums,
                                            int nthreads)
{
    fa_swish_beta_fn fn = fa_swish_backward_beta_baseline;
#ifdef FA_HAVE_AVX2
    if (fa_isa_current() == FA_ISA_AVX2)
        fn = fa_swish_backward_beta_avx2;
#endif
#ifdef FA_HAVE_AVX512
    if (fa_isa_current() == FA_ISA_AVX512)
        fn = fa_swish_backward_beta_avx512;
#endif
    return fn(dtype, g, x, gi, n, beta, block_sums, nthreads);
}

#endif
