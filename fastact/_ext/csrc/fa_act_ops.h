/* Activation point functions, written once over T (float or double). fa_act.c includes this
 * file once per dtype with T, SFX and FA_M(fn) (the fa_math.h function for T) defined.
 * Each op defines op_forward(x, p), op_derivative(x, p) and, when its row in FA_ACTIVATIONS
 * says from_output, op_derivative_output(y, p) = f'(x) written in terms of y = f(x).
 * p holds the op's parameters, already converted to T. Everything here must stay branch-free:
 * selects only, so the loops in fa_act.c vectorize.
 * NaN in gives NaN out, in every function and every derivative. */

/* copy: y = x. The roof the benchmarks compare forwards against. */
static inline T FA_PT(copy, forward)(T x, const T *p) { (void)p; return x; }
static inline T FA_PT(copy, derivative)(T x, const T *p) { (void)p; return x - x + (T)1; }
static inline T FA_PT(copy, derivative_output)(T y, const T *p) { (void)p; return y - y + (T)1; }

/* relu: max(x, 0); relu'(x) = 1 for x > 0 else 0 (0 at x = 0, as PyTorch). */
static inline T FA_PT(relu, forward)(T x, const T *p)
{
    (void)p;
    return x < (T)0 ? (T)0 : x;
}
static inline T FA_PT(relu, derivative)(T x, const T *p)
{
    (void)p;
    T d = x > (T)0 ? (T)1 : (T)0;
    return x != x ? x : d;
}
static inline T FA_PT(relu, derivative_output)(T y, const T *p)
{
    return FA_PT(relu, derivative)(y, p);
}

/* sigmoid: 1 / (1 + e^-x); sigmoid'(x) = e / (1 + e)^2 with e = e^-|x| (no cancellation in
 * 1 - s for large x); from the output: y (1 - y). */
static inline T FA_PT(sigmoid, forward)(T x, const T *p)
{
    (void)p;
    return FA_M(sigmoid)(x);
}
static inline T FA_PT(sigmoid, derivative)(T x, const T *p)
{
    (void)p;
    T e = FA_M(expneg)(FA_ABS(x));
    T q = (T)1 + e;
    return e / (q * q);
}
static inline T FA_PT(sigmoid, derivative_output)(T y, const T *p)
{
    (void)p;
    return y * ((T)1 - y);
}

#include "fa_act_piecewise.h"
#include "fa_act_smooth.h"
