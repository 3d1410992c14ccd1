/* levels_kernels.c: vectorized loops over fa_math.h float functions, compiled once per ISA level
 * by levels.sh (-DLEVEL=base|avx2|avx512 names the entry point), compared by levels_f32.c. */
#include "fa_math.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

void CAT(eval_, LEVEL)(int fn, const float *restrict x, float *restrict y, int n)
{
    switch (fn) {
    case 0: for (int i = 0; i < n; i++) y[i] = fa_exp_f32(x[i]); break;
    case 1: for (int i = 0; i < n; i++) y[i] = fa_sigmoid_f32(x[i]); break;
    case 2: for (int i = 0; i < n; i++) y[i] = fa_tanh_f32(x[i]); break;
    case 3: for (int i = 0; i < n; i++) y[i] = fa_expm1_f32(x[i]); break;
    case 4: for (int i = 0; i < n; i++) y[i] = fa_log1p_f32(x[i]); break;
    default: for (int i = 0; i < n; i++) y[i] = fa_erfc_f32(x[i]); break;
    }
}
