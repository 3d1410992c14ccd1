/* Smooth activations: point functions over T built on fa_math.h, included by fa_act_ops.h once
 * per dtype (same contract as fa_act_ops.h: branch-free selects, NaN in gives NaN out).
 *
 * Accuracy rules kept by every function here:
 * - The left tails x * e^v (silu, swish, gelu forms, mish) and their derivatives are computed
 *   with e^v scaled by 2^64 and scaled back at the end (fa_unscale64), or (the x sigmoid(v)
 *   family, tanh') as e^v = p 2^-n with 2^-n applied last on the exponent bits (fa_scaledown),
 *   so a result that is a normal number is never lost to an intermediate below the smallest
 *   normal, and a subnormal result is flushed to a signed zero without ever being computed.
 * - Arguments that an exponential amplifies (beta * x, the tanh-GELU cubic, x^2 / 2) are formed
 *   exactly or in double-T precision (fa_mul_exact) and passed to the exponential as hi + lo.
 * - Clamps and flushes before long computations are bit masks or integer minima (fa_keepif,
 *   fa_keepsign, fa_minpos, fa_blend), not selects with a constant arm: GCC duplicates the code
 *   after such a select for the constant arm (it split one division into two).
 * - Subnormal inputs are replaced by a signed zero before any arithmetic (no microcode assists),
 *   except where the result c x may be normal (selu, elu with alpha > 1): fa_mul_subnormal.
 * Derivatives that cross zero (silu, swish, mish, the GELUs near x = -0.75 .. -1.28) are sums of
 * terms of opposite sign there; their error is relative to the size of those terms. */

#ifndef FA_ACT_SMOOTH_ONCE
#define FA_ACT_SMOOTH_ONCE
#include "fa_omp.h"
#include "fa_swish.h"
#define FA_SM_TINY ((T)(sizeof(T) == 4 ? 1.17549435082228751e-38 : 2.2250738585072014e-308))
/* |v| beyond which e^-|v| * 2^64 is 0 in T (float 131.7, double 752.8) */
#define FA_SM_VMAX ((T)(sizeof(T) == 4 ? 200.0 : 800.0))
/* |v| clamp of the x sigmoid(v) family: e^-|v| has reached 0 (fa_expneg_parts' range) */
#define FA_SM_UMAX ((T)(sizeof(T) == 4 ? 150.0 : 800.0))
/* (v + FA_SM_GRID) - FA_SM_GRID rounds |v| < FA_SM_GRID * eps to 0 and keeps the rest to a
 * relative 2^-30 or better at the sizes where it matters: squares and split products of the
 * result never underflow (an underflow is a microcode assist). Plain arithmetic, which the
 * compiler cannot turn back into a select it may ignore. */
#define FA_SM_GRID ((T)(sizeof(T) == 4 ? 0x1p-30 : 0x1p-400))
/* added to a small factor before it is squared, for the same reason */
#define FA_SM_BIAS ((T)(sizeof(T) == 4 ? 0x1p-60 : 0x1p-500))
/* T's nearest value to the double constant c, and the remainder (0 in double) */
#define FA_SM_HI(c) ((T)(c))
#define FA_SM_LO(c) ((T)((c) - (double)(T)(c)))
/* a constant given in double-double h + l: T's nearest value, and the rest */
#define FA_SM_LO2(h, l) ((T)(((h) - (double)(T)(h)) + (l)))
#define FA_SELU_LAMBDA 1.0507009873554804934193349852946
#define FA_SELU_ALPHA 1.6732632423543772848170429916717
#define FA_SELU_LA 1.7580993408473768599402175208123 /* lambda * alpha */
/* 1.702, 0.044715 and 2 sqrt(2/pi) as double-double (hi, lo): the exponential of the sigmoid
 * and tanh GELU tails amplifies the rounding of these constants by up to |x| */
#define FA_GELU_SIG_BETA 1.702
#define FA_GELU_SIG_BETA_LO 4.263256414560601e-17
#define FA_GELU_TANH_K 0.044715
#define FA_GELU_TANH_K_LO 2.1960211427085595e-18
#define FA_GELU_TANH_C 1.5957691216057308
#define FA_GELU_TANH_C_LO -9.96930880911092e-17
#define FA_INV_SQRT2 0.70710678118654752440084436210485
#define FA_INV_SQRT_2PI 0.39894228040143267793994605993438
#define FA_SWISH_PHASE 1
#else
#undef FA_SWISH_PHASE
#define FA_SWISH_PHASE 2
#endif

/* x, or a zero of x's sign when x is subnormal */
static inline T FA_PT(smooth, flush)(T x)
{
    return FA_M(keepsign)(x, !(FA_ABS(x) < FA_SM_TINY)); /* a mask: NaN kept */
}

/* e = es 2^-64 where it counts next to 1 (e > 2^-104 float, 2^-564 double), else 0: for 1 + e and
 * x dv e (|x dv| <= 3 |v| there), cheaper than the exact unscaling */
static inline T FA_PT(sig, small)(T es)
{
    return FA_M(keepif)(es, es >= (T)(sizeof(T) == 4 ? 0x1p-40 : 0x1p-500)) * (T)0x1p-64;
}

/* ---------------------------------------------------------------- tanh */
/* tanh'(x) = sech^2 x = 4e / (1 + e)^2 with e = e^-2|x| = p 2^-n (no cancellation where tanh
 * rounds to +-1; 2^-n applied last); from the output: (1 - y)(1 + y). */
static inline T FA_PT(tanh, forward)(T x, const T *p)
{
    (void)p;
    return FA_M(tanh)(x);
}
static inline T FA_PT(tanh, derivative)(T x, const T *p)
{
    (void)p;
    T u = 2 * FA_ABS(x), t;
    T pe = FA_M(expneg_parts)(FA_M(minpos)(u, FA_SM_UMAX), 0, &t); /* e = pe 2^-n */
    T q = 1 + FA_M(expneg_join)(pe, t, u);
    T y = FA_M(scaledown)((4 * pe) / (q * q), t);
    return x != x ? x : y;
}
static inline T FA_PT(tanh, derivative_output)(T y, const T *p)
{
    (void)p;
    return (1 - y) * (1 + y);
}

/* ---------------------------------------------------------------- elu, celu, selu */
/* c * x for any x: c * x, or for a subnormal x fa_mul_subnormal (the product may be normal) */
static inline T FA_PT(smooth, scale)(T x, T c)
{
    T xn = FA_ABS(x) < FA_SM_TINY ? (T)1 : x;
    return FA_ABS(x) < FA_SM_TINY ? FA_M(mul_subnormal)(x, c) : c * xn;
}

/* elu(x) = x for x > 0, alpha (e^x - 1) otherwise (expm1: no cancellation near 0);
 * elu'(x) = 1 or alpha e^x (e^x scaled by 2^64: alpha > 1 may lift it out of the subnormal
 * range); from the output (alpha > 0): 1 or y + alpha. */
static inline T FA_PT(elu, forward)(T x, const T *p)
{
    T xf = FA_PT(smooth, flush)(x);
    T neg = FA_ABS(x) < FA_SM_TINY ? FA_PT(smooth, scale)(x, p[0]) : p[0] * FA_M(expm1_neg)(xf);
    return x > 0 ? x : neg;
}
static inline T FA_PT(elu, derivative)(T x, const T *p)
{
    T d = FA_M(unscale64)(p[0] * FA_M(expneg_s64)(-x, 0)); /* computed before the select: GCC
                                                          otherwise builds a slower, assisting
                                                          form for the fused backward */
    return x > 0 ? (T)1 : d;
}
static inline T FA_PT(elu, derivative_output)(T y, const T *p)
{
    return y > 0 ? (T)1 : y + p[0];
}

/* celu(x) = x for x > 0, alpha (e^(x/alpha) - 1) otherwise; celu'(x) = 1 or e^(x/alpha). */
static inline T FA_PT(celu, forward)(T x, const T *p)
{
    T xf = FA_PT(smooth, flush)(x);
    return x > 0 ? x : p[0] * FA_M(expm1)(xf / p[0]); /* alpha < 0: x / alpha > 0 */
}
static inline T FA_PT(celu, derivative)(T x, const T *p)
{
    return x > 0 ? (T)1 : FA_M(expneg)(-x / p[0]);
}

/* selu(x) = lambda x for x > 0, lambda alpha (e^x - 1) otherwise; selu'(x) = lambda or
 * lambda alpha e^x; from the output: lambda or y + lambda alpha (lambda alpha in two parts in
 * float, so y + lambda alpha keeps its relative accuracy as y approaches -lambda alpha). */
static inline T FA_PT(selu, forward)(T x, const T *p)
{
    (void)p;
    T xf = FA_PT(smooth, flush)(x);
    T pos = FA_PT(smooth, scale)(x, FA_SM_HI(FA_SELU_LAMBDA));
    T neg = FA_ABS(x) < FA_SM_TINY ? FA_PT(smooth, scale)(x, FA_SM_HI(FA_SELU_LA))
                                   : FA_SM_HI(FA_SELU_LA) * FA_M(expm1_neg)(xf);
    return x > 0 ? pos : neg;
}
static inline T FA_PT(selu, derivative)(T x, const T *p)
{
    (void)p;
    T neg = FA_M(unscale64)(FA_SM_HI(FA_SELU_LA) * FA_M(expneg_s64)(-x, 0));
    return x > 0 ? FA_SM_HI(FA_SELU_LAMBDA) : neg;
}
static inline T FA_PT(selu, derivative_output)(T y, const T *p)
{
    (void)p;
    T d = (y + FA_SM_HI(FA_SELU_LA)) + FA_SM_LO(FA_SELU_LA);
    return y > 0 ? FA_SM_HI(FA_SELU_LAMBDA) : d;
}

/* ---------------------------------------------------------------- x sigmoid(v) family */
/* The common core of silu, swish and the sigmoid/tanh GELUs: y = x sigmoid(v) and
 * y' = sigmoid(v) (1 + x dv (1 - sigmoid(v))), for v = vh + vl given in two parts and dv = dv/dx.
 * With e = e^-|v| = p 2^-n (fa_expneg_parts): sigmoid(v) = 1/(1+e) for v >= 0, e/(1+e) for
 * v < 0; the v < 0 side is computed with p and scaled by 2^-n last (fa_scaledown), so a normal
 * result never passes through a subnormal intermediate. xm is x clamped in magnitude (finite),
 * where the limits have been reached. Clamps and flushes are bit masks and integer minima, not
 * selects with a constant arm (GCC would duplicate the code after them for that arm). */
typedef struct {
    T p, t, e, q; /* e^-|v| = p 2^-n (t holds n), e^-|v| (0 below the smallest normal), 1 + e */
} FA_PT(sig, parts);

/* ulo: the low part of |v| (vl with v's sign applied) */
static inline FA_PT(sig, parts) FA_PT(sig, split_lo)(T vh, T ulo)
{
    FA_PT(sig, parts) s;
    T u = FA_ABS(vh);
    T uc = FA_M(minpos)(u, FA_SM_UMAX); /* n stays small enough for fa_scaledown */
    s.p = FA_M(expneg_parts)(uc, ulo, &s.t);
    s.e = FA_M(expneg_join)(s.p, s.t, u);
    s.q = 1 + s.e;
    return s;
}

static inline FA_PT(sig, parts) FA_PT(sig, split)(T vh, T vl)
{
    T ulo = vh >= 0 ? vl : -vl;
    ulo = FA_M(keepif)(ulo, FA_ABS(vh) <= FA_SM_UMAX); /* saturated: any finite p will do */
    return FA_PT(sig, split_lo)(vh, ulo);
}

/* x sigmoid(v); NaN comes in through x where v is NaN too (callers whose v lost it restore it) */
static inline T FA_PT(sig, times)(T x, T xm, T vh, FA_PT(sig, parts) s)
{
    T d = FA_M(blend)(vh < 0, xm * s.p, x) / s.q; /* one division for both sides */
    T neg = FA_M(scaledown)(d, s.t);
    return vh < 0 ? neg : d;
}

/* pos: (q + xd e) / q^2; neg: p (q + xd) / q^2 2^-n, with one division for both; xm zero where
 * |v| > FA_SM_UMAX; NaN is restored by the caller */
static inline T FA_PT(sig, times_derivative)(T xm, T dv, T vh, FA_PT(sig, parts) s)
{
    T xd = xm * dv;
    T b = s.q + (vh < 0 ? xd : xd * s.e);
    T d = FA_M(blend)(vh < 0, s.p * b, b) / (s.q * s.q);
    T neg = FA_M(scaledown)(d, s.t);
    return vh < 0 ? neg : d;
}

/* v = b x in two parts for b = bh + bl (bl = 0 when b is exact in T) */
static inline void FA_PT(sig, scaled_arg)(T xm, T bh, T bl, T *vh, T *vl)
{
    xm = (xm + FA_SM_GRID) - FA_SM_GRID; /* no underflow in the split product */
    FA_M(mul_exact)(bh, xm, vh, vl);
    if (bl != 0) /* a constant at every call */
        *vl = *vl + bl * xm;
}

/* x clamped to +-c in magnitude (x finite or not; NaN gives +-c) */
static inline T FA_PT(sig, clampmag)(T x, T c)
{
    return FA_M(withsign)(FA_M(minpos)(FA_ABS(x), c), x);
}

static inline T FA_PT(swish_core, forward)(T x, T bh, T bl)
{
    T xf = FA_PT(smooth, flush)(x);
    T xm = FA_PT(sig, clampmag)(xf, (T)0x1p60); /* products stay finite; sigmoid(b x) saturated */
    T vh, vl;
    FA_PT(sig, scaled_arg)(xm, bh, bl, &vh, &vl);
    T y = FA_PT(sig, times)(xf, xm, vh, FA_PT(sig, split)(vh, vl));
    return x != x ? x : y; /* xm, vh lost the NaN */
}

static inline T FA_PT(swish_core, derivative)(T x, T bh, T bl)
{
    T xf = FA_PT(smooth, flush)(x);
    T xm = FA_PT(sig, clampmag)(xf, (T)0x1p60);
    T vh, vl;
    FA_PT(sig, scaled_arg)(xm, bh, bl, &vh, &vl);
    FA_PT(sig, parts) s = FA_PT(sig, split)(vh, vl);
    xm = FA_M(keepif)(xm, FA_ABS(vh) <= FA_SM_UMAX); /* x dv e -> 0 in the saturated range */
    T y = FA_PT(sig, times_derivative)(xm, bh, vh, s);
    return x != x ? x : y;
}

/* silu(x) = x sigmoid(x); silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x))); silu(-inf) = -0.
 * v = x is exact: no split product. */
static inline T FA_PT(silu, forward)(T x, const T *p)
{
    (void)p;
    T xf = FA_PT(smooth, flush)(x);
    T xm = FA_PT(sig, clampmag)(xf, FA_SM_UMAX); /* x e^x: -inf gives -0, not NaN */
    return FA_PT(sig, times)(xf, xm, xf, FA_PT(sig, split_lo)(xf, 0));
}
static inline T FA_PT(silu, derivative)(T x, const T *p)
{
    (void)p;
    T xf = FA_PT(smooth, flush)(x);
    T xm = FA_PT(sig, clampmag)(xf, FA_SM_UMAX);
    xm = FA_M(keepif)(xm, FA_ABS(xf) <= FA_SM_UMAX); /* x e -> 0 in the saturated range */
    T y = FA_PT(sig, times_derivative)(xm, 1, xf, FA_PT(sig, split_lo)(xf, 0));
    return x != x ? x : y;
}

/* swish(x) = x sigmoid(beta x), p[0] = beta (b x formed exactly). */
static inline T FA_PT(swish, forward)(T x, const T *p)
{
    return FA_PT(swish_core, forward)(x, p[0], 0);
}
static inline T FA_PT(swish, derivative)(T x, const T *p)
{
    return FA_PT(swish_core, derivative)(x, p[0], 0);
}
/* d swish / dx (as swish_derivative, the same bits) and d swish / d beta = x^2 sigmoid(v)
 * (1 - sigmoid(v)) = x^2 e / (1 + e)^2, v = beta x, from one evaluation of e^-|v| */
static inline T FA_PT(swish, derivative_dbeta)(T x, const T *p, T *dbeta)
{
    T xf = FA_PT(smooth, flush)(x);
    T xm = FA_PT(sig, clampmag)(xf, (T)0x1p60);
    T vh, vl;
    FA_PT(sig, scaled_arg)(xm, p[0], 0, &vh, &vl);
    FA_PT(sig, parts) s = FA_PT(sig, split)(vh, vl);
    T xb = FA_ABS(xf) + FA_SM_BIAS; /* its square stays normal */
    T db = ((xb * xb) * s.e) / (s.q * s.q);
    db = s.e == 0 ? (T)0 : db;
    *dbeta = x != x ? x : db; /* xm, vh lost the NaN */
    xm = FA_M(keepif)(xm, FA_ABS(vh) <= FA_SM_UMAX); /* x dv e -> 0 in the saturated range */
    T y = FA_PT(sig, times_derivative)(xm, p[0], vh, s);
    return x != x ? x : y;
}

/* gelu_sigmoid(x) = x sigmoid(1.702 x), 1.702 in two parts in float. */
static inline T FA_PT(gelu_sigmoid, forward)(T x, const T *p)
{
    (void)p;
    return FA_PT(swish_core, forward)(x, FA_SM_HI(FA_GELU_SIG_BETA),
                                      FA_SM_LO2(FA_GELU_SIG_BETA, FA_GELU_SIG_BETA_LO));
}
static inline T FA_PT(gelu_sigmoid, derivative)(T x, const T *p)
{
    (void)p;
    return FA_PT(swish_core, derivative)(x, FA_SM_HI(FA_GELU_SIG_BETA),
                                         FA_SM_LO2(FA_GELU_SIG_BETA, FA_GELU_SIG_BETA_LO));
}

/* gelu_tanh(x) = 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3), with
 * 2u formed in double-T precision (every product split exactly): the tail's e^2u amplifies the
 * error of its argument by |2u|. x is clamped to +-40, where the function has saturated (and
 * x dv stays finite for the derivative's saturated side). */
static inline void FA_PT(gelu_tanh, arg)(T xc, T *vh, T *vl)
{
    T s, sl, c, cl, q, ql, w, wl, bb;
    xc = (xc + FA_SM_GRID) - FA_SM_GRID;
    FA_M(mul_exact)(xc, xc, &s, &sl);                 /* x^2 */
    FA_M(mul_exact)(xc, s, &c, &cl);                  /* x^3 */
    cl = cl + xc * sl;
    FA_M(mul_exact)(FA_SM_HI(FA_GELU_TANH_K), c, &q, &ql); /* k x^3 */
    ql = ql + (FA_SM_HI(FA_GELU_TANH_K) * cl + FA_SM_LO2(FA_GELU_TANH_K, FA_GELU_TANH_K_LO) * c);
    w = xc + q;                                       /* x + k x^3, two-sum */
    bb = w - xc;
    wl = ((xc - (w - bb)) + (q - bb)) + ql;
    FA_M(mul_exact)(FA_SM_HI(FA_GELU_TANH_C), w, vh, vl);
    *vl = *vl + (FA_SM_HI(FA_GELU_TANH_C) * wl + FA_SM_LO2(FA_GELU_TANH_C, FA_GELU_TANH_C_LO) * w);
}
static inline T FA_PT(gelu_tanh, forward)(T x, const T *p)
{
    (void)p;
    T xf = FA_PT(smooth, flush)(x);
    T xc = FA_PT(sig, clampmag)(xf, 40);
    T vh, vl;
    FA_PT(gelu_tanh, arg)(xc, &vh, &vl);
    T y = FA_PT(sig, times)(xf, xc, vh, FA_PT(sig, split)(vh, vl));
    return x != x ? x : y; /* xc, vh lost the NaN */
}
static inline T FA_PT(gelu_tanh, derivative)(T x, const T *p)
{
    (void)p;
    T xf = FA_PT(smooth, flush)(x);
    T xc = FA_PT(sig, clampmag)(xf, 40);
    xc = (xc + FA_SM_GRID) - FA_SM_GRID;
    T vh, vl;
    FA_PT(gelu_tanh, arg)(xc, &vh, &vl);
    /* dv/dx = C (1 + 3 k x^2) */
    T dv = FA_SM_HI(FA_GELU_TANH_C) * (1 + (3 * FA_SM_HI(FA_GELU_TANH_K)) * (xc * xc));
    T y = FA_PT(sig, times_derivative)(xc, dv, vh, FA_PT(sig, split)(vh, vl));
    return x != x ? x : y;
}

/* ---------------------------------------------------------------- gelu (exact) */
#ifndef FA_GELU_F32_ONCE
#define FA_GELU_F32_ONCE
/* float: one pipeline for every x. With a = |x|, t = Phi(-a) e^(a^2/2) (fa_phix_rat) and
 * e = e^(-a^2/2) (fa_exp_halfsq): x < 0: gelu(x) = x t e (the erfc form, never 1 + erf);
 * x > 0: gelu(x) = x - x t e (te <= 1/2: no cancellation); gelu'(-a) = e (t - a phi(0)) and
 * gelu'(a) = 1 - gelu'(-a). a is clamped where the result becomes subnormal (forward: a Phi(-a)
 * < FLT_MIN beyond 13.146247; derivative: beyond 13.341883), so e stays normal in the forward,
 * and scaled by 2^8 in the derivative; beyond, the result is a zero selected on x. a < 2^-40
 * counts as 0 (its square would underflow; Phi(x) = 1/2 there to float precision). */
#define FA_GELU_AMAX_F32 13.146247f
#define FA_GELU_DMAX_F32 13.341883f
/* float: |x| with a subnormal x as 0, clamped to amax (NaN stays NaN); and x with a subnormal x
 * as a zero of its sign. Shared by the float gelu and mish below. */
static inline float fa_sm_abs_f32(float x, float amax)
{
    float ax = fabsf(x);
    float a = ax < 1.17549435e-38f ? 0.0f : ax;
    return a > amax ? amax : a;
}
static inline float fa_sm_flush_f32(float x)
{
    return fabsf(x) < 1.17549435e-38f ? fa_signzero_f32(x) : x;
}
static inline float fa_gelu_f32(float x)
{
    float xf = fa_sm_flush_f32(x);
    float a = fa_sm_abs_f32(x, FA_GELU_AMAX_F32);
    float xc = xf > FA_GELU_AMAX_F32 ? FA_GELU_AMAX_F32 : xf;
    float n = (xc * fa_phix_rat_f32(a)) * fa_exp_halfsq_f32(a, 0u);
    float y = x > 0 ? xf - n : n;
    return x < -FA_GELU_AMAX_F32 ? -0.0f : y;
}
static inline float fa_gelu_derivative_f32(float x)
{
    float a = fa_sm_abs_f32(x, FA_GELU_DMAX_F32);
    float d = (fa_exp_halfsq_f32(a, 8u) * (fa_phix_rat_f32(a) - a * (float)FA_INV_SQRT_2PI))
              * 0x1p-8f;
    float y = x > 0 ? 1.0f - d : d;
    return x < -FA_GELU_DMAX_F32 ? 0.0f : y;
}
#endif

/* double: gelu(x) = x Phi(x), Phi(x) = erfc(-x / sqrt2) / 2:
 * |x| < 1/sqrt2: x (1/2 + erf(x / sqrt2) / 2);
 * x > 0: x (1 - t e^(-x^2/2)), t = Phi(-|x|) e^(x^2/2) = erfcx(|x| / sqrt2) / 2 (fa_phix_pos);
 * x < 0: x t e^(-x^2/2) (the erfc form, never 1 + erf: no cancellation),
 * with x^2 formed exactly and e^(-x^2/2) scaled by 2^64 until the end.
 * gelu'(x) = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi). */
typedef struct {
    T xc, z, small, es, e, t; /* x clamped to +-40, |x|/sqrt2, erf arg, e^-x^2/2 (2^64), e^-x^2/2,
                                 Phi(-|x|) e^(x^2/2) */
} FA_PT(gelu, parts);

static inline FA_PT(gelu, parts) FA_PT(gelu, split)(T xf)
{
    FA_PT(gelu, parts) g;
    T xc = xf > 40 ? (T)40 : xf;
    g.xc = xc < -40 ? (T)-40 : xc;
    T a = (FA_ABS(g.xc) + FA_SM_GRID) - FA_SM_GRID;
    g.z = a * FA_SM_HI(FA_INV_SQRT2);
    g.small = g.z < (T)0.5 ? a * FA_SM_HI(FA_INV_SQRT2) : (T)0;
    g.small = g.xc < 0 ? -g.small : g.small;
    T hi, lo;
    FA_M(mul_exact)(a, a, &hi, &lo);
    g.es = FA_M(expneg_s64)((T)0.5 * hi, (T)0.5 * lo);
    g.e = FA_PT(sig, small)(g.es); /* only next to 1 */
    g.t = FA_M(phix_pos)(a);
    return g;
}

static inline T FA_PT(gelu, forward)(T x, const T *p)
{
    (void)p;
    if (sizeof(T) == 4)
        return (T)fa_gelu_f32((float)x);
    T xf = FA_PT(smooth, flush)(x);
    FA_PT(gelu, parts) g = FA_PT(gelu, split)(xf);
    T mid = xf * ((T)0.5 + (T)0.5 * FA_M(erf_small)(g.small));
    T pos = xf * (1 - g.t * g.e);
    T neg = FA_M(unscale64)((g.xc * g.t) * g.es);
    T y = xf < 0 ? neg : pos;
    return g.z < (T)0.5 ? mid : y;
}
static inline T FA_PT(gelu, derivative)(T x, const T *p)
{
    (void)p;
    if (sizeof(T) == 4)
        return (T)fa_gelu_derivative_f32((float)x);
    T xf = FA_PT(smooth, flush)(x);
    FA_PT(gelu, parts) g = FA_PT(gelu, split)(xf);
    T xphi = g.xc * (g.e * FA_SM_HI(FA_INV_SQRT_2PI));
    T mid = ((T)0.5 + (T)0.5 * FA_M(erf_small)(g.small)) + xphi;
    T pos = (1 - g.t * g.e) + xphi;
    T neg = FA_M(unscale64)(g.es * (g.t + g.xc * FA_SM_HI(FA_INV_SQRT_2PI)));
    T y = xf < 0 ? neg : pos;
    y = g.z < (T)0.5 ? mid : y;
    return x != x ? x : y;
}

/* ---------------------------------------------------------------- mish */
#ifndef FA_MISH_F32_ONCE
#define FA_MISH_F32_ONCE
/* float: E = e^x for |x| <= 92 (clamped), in float scaled by 2^-44 (x > 0) or 2^24 (x <= 0) so it
 * stays normal, then exact in double, where the rest is evaluated and rounded once:
 * tanh(softplus(x)) = q / (q + 2), q = E (E + 2); mish = x q / (q + 2);
 * mish' = tanh(sp) + x sech^2(sp) sigmoid(x) = [q (q + 2)(1 + E) + 4x (q + 1) E]
 * / ((q + 2)^2 (1 + E)), one division each. Beyond the clamp, mish(x) = x (x > 0) or a zero
 * selected on x (mish(-a) < FLT_MIN beyond 91.85678, mish'(-a) beyond 91.84571). */
#define FA_MISH_AMAX_F32 91.85678f
#define FA_MISH_DMAX_F32 91.84571f
static inline double fa_mish_exp_f32(float x, float a)
{
    float ys = fa_expneg_sc_f32(x > 0 ? -a : a, 0.0f, x > 0 ? (uint32_t)-44 : 24u);
    return (double)ys * (x > 0 ? 0x1p44 : 0x1p-24);
}
static inline float fa_mish_f32(float x)
{
    float xf = fa_sm_flush_f32(x);
    float a = fa_sm_abs_f32(x, FA_MISH_AMAX_F32);
    double e = fa_mish_exp_f32(x, a);
    double q = e * (e + 2);
    float y = (float)(((double)xf * q) / (q + 2));
    return x < -FA_MISH_AMAX_F32 ? -0.0f : y;
}
static inline float fa_mish_derivative_f32(float x)
{
    float a = fa_sm_abs_f32(x, FA_MISH_DMAX_F32);
    double e = fa_mish_exp_f32(x, a);
    double x4 = 4 * (x > 0 ? a : -a); /* 4x, clamped: exact */
    double q = e * (e + 2);
    double q2 = q + 2;
    double e1 = e + 1;
    float y = (float)(((q * q2) * e1 + x4 * ((q + 1) * e)) / ((q2 * q2) * e1));
    return x < -FA_MISH_DMAX_F32 ? 0.0f : y;
}
#endif

/* double: mish(x) = x tanh(softplus(x)), with tanh(log(1 + e^x)) = n / (n + 2), n = e^x (e^x + 2), for
 * x <= 0 and (1 + 2w) / (1 + 2w + 2w^2), w = e^-x, for x > 0 (no log, no cancellation).
 * mish'(x) = tanh(sp) + x sech^2(sp) sigmoid(x). mish(-inf) = -0. */
static inline T FA_PT(mish, forward)(T x, const T *p)
{
    (void)p;
    if (sizeof(T) == 4)
        return (T)fa_mish_f32((float)x);
    T xf = FA_PT(smooth, flush)(x);
    T xc = xf < -FA_SM_VMAX ? -FA_SM_VMAX : xf;
    T es = FA_M(expneg_s64)(FA_ABS(xc), 0);
    T e = FA_PT(sig, small)(es); /* only next to 1 or 2 */
    /* in double (float: one rounding at the end instead of five, which reached 5 ULP) */
    double m = (double)e + 2;
    T neg = FA_M(unscale64)((T)(((double)xc * ((double)es * m)) / ((double)e * m + 2)));
    T n2 = 1 + 2 * e;
    T pos = xf * (n2 / (1 + 2 * (e * (1 + e)))); /* 1 + 2e + 2e^2, e^2 never formed */
    return xf > 0 ? pos : neg;
}
static inline T FA_PT(mish, derivative)(T x, const T *p)
{
    (void)p;
    if (sizeof(T) == 4)
        return (T)fa_mish_derivative_f32((float)x);
    T xf = FA_PT(smooth, flush)(x);
    T xc = xf < -FA_SM_VMAX ? -FA_SM_VMAX : xf;
    xc = xc > FA_SM_VMAX ? FA_SM_VMAX : xc;
    T es = FA_M(expneg_s64)(FA_ABS(xc), 0);
    T e = FA_PT(sig, small)(es); /* only next to 1 or 2 */
    /* x <= 0: e [m / (n + 2) + 4 x (n + 1) / ((n + 2)^2 (1 + e))], m = e + 2, n = e m */
    T m = e + 2;
    T n = e * m;
    T d = n + 2;
    T neg = FA_M(unscale64)(es * (m / d + (4 * xc * (n + 1)) / ((d * d) * (1 + e))));
    /* x > 0: (1 + 2w) / D + 4 x w^2 (1 + w) / D^2, D = 1 + 2w + 2w^2, w = e */
    T n2 = 1 + 2 * e;
    T dd = 1 + 2 * (e * (1 + e));
    T eb = e + FA_SM_BIAS; /* its square stays normal */
    T pos = n2 / dd + ((4 * xc) * ((eb * eb) * (1 + e))) / (dd * dd);
    T y = xf > 0 ? pos : neg;
    return x != x ? x : y;
}

/* ---------------------------------------------------------------- softplus */
/* softplus(x) = x where beta x > threshold (PyTorch), else
 * (max(v, 0) + log1p(e^-|v|)) / beta, v = beta x; softplus' = 1 or sigmoid(beta x).
 * p[0] = beta, p[1] = threshold. */
static inline T FA_PT(softplus, forward)(T x, const T *p)
{
    T xf = FA_PT(smooth, flush)(x);
    T v = p[0] * xf;
    T l = FA_M(log1p_unit)(FA_M(expneg)(FA_ABS(v))); /* argument in [0, 1] */
    T s = ((v > 0 ? v : (T)0) + l) * ((T)1 / p[0]); /* 1/beta: hoisted, exact for beta = 1 */
    return v > p[1] ? x : s;
}
static inline T FA_PT(softplus, derivative)(T x, const T *p)
{
    T v = p[0] * FA_PT(smooth, flush)(x);
    return v > p[1] ? (T)1 : FA_M(sigmoid)(v);
}

/* ---------------------------------------------------------------- swish's beta gradient */
/* One block of swish's backward: gi = g * d swish/dx, and the block's sum of g * d swish/d beta,
 * added in 8 fixed lanes (whatever the vector width) then pairwise: the same bits at every ISA
 * level; accumulated in double. */
static double FA_PT(loop_swish, beta_block)(const T *restrict g, const T *restrict x,
                                            T *restrict gi, ptrdiff_t n, const T *p)
{
    T tmp[FA_SWISH_BLOCK];
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    _Pragma("omp simd") for (ptrdiff_t i = 0; i < n; i++)
    {
        T gv = g[i], db;
        T d = FA_PT(swish, derivative_dbeta)(x[i], p, &db);
        tmp[i] = gv * db;
        gi[i] = gv * d;
    }
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += (double)tmp[i + j];
    for (int j = 0; i < n; i++, j++)
        acc[j] += (double)tmp[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

#if FA_SWISH_PHASE == 2
/* swish_backward with the beta gradient, this ISA level's version (declared in fa_swish.h):
 * blocks of FA_SWISH_BLOCK elements, threaded over blocks, block sums written to block_sums
 * and added in block order, so the result does not depend on the thread count. */
#define FA_SWISH_ENTRY_(isa) fa_swish_backward_beta_##isa
#define FA_SWISH_ENTRY(isa) FA_SWISH_ENTRY_(isa)
double FA_SWISH_ENTRY(FA_ISA)(int dtype, const void *g, const void *x, void *gi, ptrdiff_t n,
                              double beta, double *block_sums, int nthreads)
{
    ptrdiff_t nb = (n + FA_SWISH_BLOCK - 1) / FA_SWISH_BLOCK;
    float pf[FA_MAX_PARAMS] = {(float)beta, 0, 0, 0};
    double pd[FA_MAX_PARAMS] = {beta, 0, 0, 0};
    FA_FOR_ITEMS(nthreads, b, nb, {
        ptrdiff_t s = b * FA_SWISH_BLOCK;
        ptrdiff_t len = n - s < FA_SWISH_BLOCK ? n - s : FA_SWISH_BLOCK;
        if (dtype == FA_F32)
            block_sums[b] = loop_swish_beta_block_f32((const float *)g + s,
                                                      (const float *)x + s, (float *)gi + s,
                                                      len, pf);
        else
            block_sums[b] = loop_swish_beta_block_f64((const double *)g + s,
                                                      (const double *)x + s, (double *)gi + s,
                                                      len, pd);
    })
    double total = 0;
    for (ptrdiff_t b = 0; b < nb; b++)
        total += block_sums[b];
    return total;
}
#endif
