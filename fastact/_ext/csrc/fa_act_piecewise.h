/* Piecewise-linear activations: point functions over T, included by fa_act_ops.h once per dtype
 * (same contract as fa_act_ops.h: branch-free selects, NaN in gives NaN out). Exact results. */
/* Parameters arrive converted to T (fa_act.c), as numpy and PyTorch convert a Python scalar to
 * the array's dtype: a float32 leaky_relu multiplies by (float)negative_slope, a threshold
 * compares with (float)threshold. Derivatives at the kinks follow PyTorch. */

/* hardtanh: clamp(x, min_val = p[0], max_val = p[1]) with min_val <= max_val (checked in
 * Python); hardtanh'(x) = 1 on the open interval (min_val, max_val), else 0 (0 at the bounds, as
 * PyTorch). From the output: the same test on y, which sits exactly on a bound wherever x was
 * clamped or was the bound. */
static inline T FA_PT(hardtanh, forward)(T x, const T *p)
{
    T lo = x < p[0] ? p[0] : x;
    return lo > p[1] ? p[1] : lo;
}
static inline T FA_PT(hardtanh, derivative)(T x, const T *p)
{
    T d = (x > p[0]) & (x < p[1]) ? (T)1 : (T)0;
    return x != x ? x : d;
}
static inline T FA_PT(hardtanh, derivative_output)(T y, const T *p)
{
    return FA_PT(hardtanh, derivative)(y, p);
}

/* relu6: hardtanh(x, 0, 6); relu6'(0) = relu6'(6) = 0 (PyTorch). */
static inline T FA_PT(relu6, forward)(T x, const T *p)
{
    (void)p;
    const T b[2] = {(T)0, (T)6};
    return FA_PT(hardtanh, forward)(x, b);
}
static inline T FA_PT(relu6, derivative)(T x, const T *p)
{
    (void)p;
    const T b[2] = {(T)0, (T)6};
    return FA_PT(hardtanh, derivative)(x, b);
}
static inline T FA_PT(relu6, derivative_output)(T y, const T *p)
{
    return FA_PT(relu6, derivative)(y, p);
}

/* leaky_relu: x if x > 0 else negative_slope * x (p[0] = negative_slope); the derivative is 1
 * for x > 0, else negative_slope (at 0 too, as PyTorch). From the output: y > 0 exactly when
 * x > 0 as long as negative_slope >= 0 (Python refuses output= for a negative slope). */
static inline T FA_PT(leaky_relu, forward)(T x, const T *p)
{
    return x > (T)0 ? x : x * p[0];
}
static inline T FA_PT(leaky_relu, derivative)(T x, const T *p)
{
    T d = x > (T)0 ? (T)1 : p[0];
    return x != x ? x : d;
}
static inline T FA_PT(leaky_relu, derivative_output)(T y, const T *p)
{
    return FA_PT(leaky_relu, derivative)(y, p);
}

/* threshold: value (p[1]) if x <= threshold (p[0]) else x, PyTorch's threshold; the derivative
 * is 1 for x > threshold, else 0. */
static inline T FA_PT(threshold, forward)(T x, const T *p)
{
    return x <= p[0] ? p[1] : x;
}
static inline T FA_PT(threshold, derivative)(T x, const T *p)
{
    T d = x > p[0] ? (T)1 : (T)0;
    return x != x ? x : d;
}

/* step: the Heaviside threshold unit, 1 for x > 0 else 0; derivative 0 (NaN stays NaN). */
static inline T FA_PT(step, forward)(T x, const T *p)
{
    (void)p;
    T s = x > (T)0 ? (T)1 : (T)0;
    return x != x ? x : s;
}
static inline T FA_PT(step, derivative)(T x, const T *p)
{
    (void)p;
    return x != x ? x : (T)0;
}

/* hardsigmoid: clamp((x + 3) / 6, 0, 1). x + 3 rather than x/6 + 1/2: it is exact near -3,
 * where the latter cancels. The derivative is 1/6 on the open interval (-3, 3), else 0. */
static inline T FA_PT(hardsigmoid, forward)(T x, const T *p)
{
    (void)p;
    T t = x + (T)3;
    T r = t <= (T)0 ? (T)0 : t / (T)6;
    return t >= (T)6 ? (T)1 : r;
}
static inline T FA_PT(hardsigmoid, derivative)(T x, const T *p)
{
    (void)p;
    T d = (x > (T)-3) & (x < (T)3) ? (T)1 / (T)6 : (T)0;
    return x != x ? x : d;
}

/* hardswish: x * relu6(x + 3) / 6, written as 0 for x <= -3 and x for x >= 3 (no inf * 0 at
 * -inf, no overflow of x * 6 near the largest floats). The derivative as PyTorch 2.13 gives it:
 * 0 for x <= -3, 1 for x >= 3, x/3 + 1/2 strictly between, computed as (x + 3/2) / 3, which
 * is exact near its zero at -3/2 where x/3 + 1/2 cancels. */
static inline T FA_PT(hardswish, forward)(T x, const T *p)
{
    (void)p;
    T r = x * (x + (T)3) / (T)6;
    r = x <= (T)-3 ? (T)0 : r;
    return x >= (T)3 ? x : r;
}
static inline T FA_PT(hardswish, derivative)(T x, const T *p)
{
    (void)p;
    T d = (x + (T)1.5) / (T)3;
    d = x <= (T)-3 ? (T)0 : d;
    return x >= (T)3 ? (T)1 : d;
}

/* softsign: x / (1 + |x|), with its limits +-1 at +-inf; softsign'(x) = 1 / (1 + |x|)^2 (0 at
 * +-inf, where (1 + |x|)^2 overflows the result is below the smallest normal anyway). */
static inline T FA_PT(softsign, forward)(T x, const T *p)
{
    (void)p;
    T r = x / ((T)1 + FA_ABS(x));
    r = x == (T)INFINITY ? (T)1 : r;
    return x == -(T)INFINITY ? (T)-1 : r;
}
static inline T FA_PT(softsign, derivative)(T x, const T *p)
{
    (void)p;
    T d = (T)1 + FA_ABS(x);
    return (T)1 / (d * d);
}
