/* fa_math.h: branch-free, auto-vectorizable elementary functions for fastact's kernels.
 *
 * Every function is `static inline`, uses only selects (c ? a : b), arithmetic and bit
 * reinterpretation, so GCC vectorizes loops that call it at every ISA level (SSE2, AVX2,
 * AVX-512). Built with -ffp-contract=off: a*b+c is two roundings everywhere, so results are
 * bit-identical at every ISA level. Never -ffast-math.
 *
 * Subnormal results are flushed to a (signed) zero on purpose: fastact's error budget for a
 * result below the smallest normal number is that number, and computing subnormals costs
 * microcode assists on many x86 cores. Subnormal inputs are treated as 0 before any
 * multiplication. The compiler may evaluate a select's unused operand in every vector lane (and
 * may look through a select that guards an operand), so tails are kept normal by construction:
 * scaling through exponent bits, flushing by selecting a scale of 0, never squaring a tiny value.
 *
 * function           formula              specials                          max error f32 / f64
 * fa_exp_*(x)        e^x                  +inf->inf, -inf->0, NaN->NaN      1 ULP / 1 ULP
 * fa_expneg_*(u)     e^-u, u >= 0         +inf->0, NaN->NaN                 1 ULP / 1 ULP
 * fa_sigmoid_*(x)    1 / (1 + e^-x)       +inf->1, -inf->0                  2 ULP / 2 ULP
 * fa_expm1_*(x)      e^x - 1              +inf->inf, -inf->-1, +-0 kept     1 ULP / 2 ULP
 * fa_log1p_*(x)      log(1 + x)           -1->-inf, x<-1->NaN, +inf->inf    2 ULP / 2 ULP
 * fa_tanh_*(x)       tanh x               +-inf->+-1, +-0 kept              3 ULP / 1 ULP
 * fa_erfc_*(x)       erfc x               +inf->0, -inf->2                  4 ULP / 4 ULP
 * f32: every one of the 2^32 inputs against double libm; f64: 2e7 random inputs (random bit
 * patterns and uniform draws over the function's range) against long-double libm; both by
 * tools/mathcheck/run.sh (AVX2 build; every ISA level gives the same bits). NaN in gives NaN out
 * everywhere.
 * Building blocks (their accuracy is asserted through the activations' tests):
 * fa_exp_hilo e^(x+lo); fa_exp_poly (e^r on |r| <= ln2/2); fa_exp_s64 e^(x+lo) 2^64;
 * fa_expneg_s64 e^-(u+lo) 2^64 for u >= 0; fa_unscale64; fa_keepif (a select by bit mask);
 * fa_expneg_parts / fa_expneg_join / fa_scaledown (e^-u as p 2^-n, 2^-n applied last);
 * fa_mul_exact (Dekker product);
 * fa_mul_subnormal; fa_signzero; fa_erf_small; fa_erfcx_pos; fa_phix_pos (Phi(-a) e^(a^2/2));
 * fa_exp_negsq; fa_log1p_unit (log1p on [0, 1], for softplus); fa_expm1_neg (x <= 0). Polynomial coefficients come
 * from tools/mathcheck/fit_coeffs.py.
 */
#ifndef FA_MATH_H
#define FA_MATH_H

#include <stdint.h>
#include <string.h>

static inline uint32_t fa_bits_f32(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline float fa_from_bits_f32(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}
static inline uint64_t fa_bits_f64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline double fa_from_bits_f64(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* x where keep, else +0, by a bit mask: unlike a select, the compiler does not move it past a
 * following product (which would then run in every lane, some to a subnormal: an assist). */
static inline float fa_keepif_f32(float x, int keep)
{
    return fa_from_bits_f32(fa_bits_f32(x) & (keep ? 0xffffffffu : 0u));
}
static inline double fa_keepif_f64(double x, int keep)
{
    return fa_from_bits_f64(fa_bits_f64(x) & (keep ? 0xffffffffffffffffull : 0u));
}

/* e^(x + xlo) for a small correction |xlo| <= ulp(x) (added to the reduced argument); e^x,
 * float, is fa_exp_f32(x) = fa_exp_hilo_f32(x, -0) (adding -0 is free). n = round(x log2 e) by
 * the magic-bias add; r = x - n ln2 with ln2 in two parts (n ln2_hi is exact: n has <= 8 bits,
 * ln2_hi 9); e^r = 1 + r + r^2 P(r), P of degree 4 on |r| <= ln2/2 (FA_EXP_P, fitted by
 * tools/mathcheck/fit_coeffs.py); 2^n added to the exponent bits of e^r (exact: every result
 * kept is normal); above the overflow threshold inf (NaN for NaN), below the smallest normal 0,
 * both selected on the result, so no lane ever multiplies by a meaningless scale. */
#define FA_EXP_P4 1.39261761199e-3f
#define FA_EXP_P3 8.36317307451e-3f
#define FA_EXP_P2 4.16665546621e-2f
#define FA_EXP_P1 1.66665770256e-1f
static inline float fa_exp_poly_f32(float r)
{
    float p = FA_EXP_P4;
    p = p * r + FA_EXP_P3;
    p = p * r + FA_EXP_P2;
    p = p * r + FA_EXP_P1;
    p = p * r + 0.5f;
    return p * (r * r) + r + 1.0f;
}
static inline float fa_exp_hilo_f32(float x, float xlo)
{
    const float hi = 88.7228317f, lo = -87.33654022216797f; /* lo: smallest x, e^x >= FLT_MIN */
    float xc = __builtin_fabsf(x) < 0x1p-30f ? 0.0f : x; /* tiny and subnormal: e^x = 1 */
    xc = xc > hi ? hi : xc;
    xc = xc < lo ? lo : xc;
    const float magic = 12582912.0f;                     /* 1.5 * 2^23 */
    float t = xc * 1.44269504088896341f + magic;
    float kf = t - magic;
    float r = xc - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    r = r + xlo;
    float y = fa_exp_poly_f32(r);
    /* the low 9 bits of t hold n (two's complement): n << 23 added to the exponent of y */
    y = fa_from_bits_f32(fa_bits_f32(y) + (fa_bits_f32(t) << 23));
    y = x <= hi ? y : x * __builtin_inff(); /* inf above hi, NaN for NaN */
    return x < lo ? 0.0f : y;
}
static inline float fa_exp_f32(float x) { return fa_exp_hilo_f32(x, -0.0f); }

/* e^r for r = n ln2 - (u + ulo), n = round(u log2 e) (ln2 in two parts): the reduction and
 * polynomial every e^-u below shares; t's low 9 bits hold n for the caller's scaling by 2^-n. */
static inline float fa_expneg_poly_f32(float u, float ulo, float *t)
{
    const float magic = 12582912.0f;
    float tt = u * 1.44269504088896341f + magic;
    float kf = tt - magic;
    float r = kf * 0.693359375f - u;
    r = r + kf * -2.12194440e-4f;
    r = r - ulo;
    *t = tt;
    return fa_exp_poly_f32(r);
}

/* e^-u for u >= 0 (u = +inf gives 0, NaN gives NaN): the core of sigmoid and tanh, cheaper than
 * fa_exp_f32 (one side only, no clamps). n = round(u log2 e), r = n ln2 - u, e^r as in
 * fa_exp_hilo_f32, then 2^-n through the exponent bits; 0 where e^-u < FLT_MIN, selected on the
 * result (the lanes above that, up to inf, may hold any value, but never a subnormal product). */
static inline float fa_expneg_f32(float u)
{
    const float umax = 87.33654022216797f;
    float uc = u < 0x1p-30f ? 0.0f : u; /* tiny and subnormal: e^-u = 1 */
    float t;
    float y = fa_expneg_poly_f32(uc, 0.0f, &t); /* r - 0 = r: the same bits */
    /* times 2^-n, built from t's low 9 bits (n): a product, so NaN stays NaN */
    float s = fa_from_bits_f32((fa_bits_f32(12582912.0f) + 127u - fa_bits_f32(t)) << 23);
    y = y * s;
    return fa_keepif_f32(y, !(u > umax));
}

/* e^x, double: as the float version with a degree-13 Taylor polynomial (truncation < 2^-58 on
 * |r| <= ln2/2) and fdlibm's two-part ln2 (n ln2_hi exact: n has <= 11 bits, ln2_hi 32). */
static inline double fa_exp_poly_f64(double r)
{
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    return 1.0 + (r + p * (r * r));
}
static inline double fa_exp_hilo_f64(double x, double xlo)
{
    const double hi = 709.8, lo = -708.3964185322641; /* lo: smallest x with e^x >= DBL_MIN */
    double xc = __builtin_fabs(x) < 0x1p-60 ? 0.0 : x;
    xc = xc > hi ? hi : xc;
    xc = xc < lo ? lo : xc;
    const double magic = 6755399441055744.0; /* 1.5 * 2^52 */
    double t = xc * 1.44269504088896338700e+00 + magic;
    double kf = t - magic;
    double r = xc - kf * 6.93147180369123816490e-01;
    r = r - kf * 1.90821492927058770002e-10;
    r = r + xlo;
    double y = fa_exp_poly_f64(r);
    double kh = kf > 0.0 ? 512.0 : -512.0;
    double t1 = (kf - kh) + magic;
    uint64_t n1 = fa_bits_f64(t1) - fa_bits_f64(magic);
    double s1 = fa_from_bits_f64((n1 + 1023u) << 52);
    double s2 = kf > 0.0 ? 0x1p512 : 0x1p-512;
    y = (y * s1) * s2;
    return x < lo ? 0.0 : y;
}
static inline double fa_exp_f64(double x) { return fa_exp_hilo_f64(x, 0.0); }
static inline double fa_expneg_f64(double u) { return fa_exp_f64(-u); }

/* sigmoid(x) = 1 / (1 + e^-x) as e/(1+e) or 1/(1+e) with e = e^-|x|: no overflow, and full
 * relative accuracy in the left tail where 1/(1+e^-x) loses it. */
static inline float fa_sigmoid_f32(float x)
{
    float e = fa_expneg_f32(__builtin_fabsf(x));
    float num = x >= 0.0f ? 1.0f : e;
    return num / (1.0f + e);
}

static inline double fa_sigmoid_f64(double x)
{
    double e = fa_exp_f64(-__builtin_fabs(x));
    double num = x >= 0.0 ? 1.0 : e;
    return num / (1.0 + e);
}


/* ---------------------------------------------------------------- exact products and scaling */

/* a * b = *hi + *lo exactly: one fused multiply-add where the ISA level has it, else Dekker's
 * product. Both give the exact error, so every level gives the same bits, while |a|, |b| <
 * 2^115 (float) / 2^995 (double) and no partial product of Dekker's falls below the smallest
 * normal (callers keep their factors away from the subnormal range). */
static inline void fa_mul_exact_f32(float a, float b, float *hi, float *lo)
{
    float p = a * b;
    *hi = p;
#ifdef __FMA__
    /* the exact error in one fused step: the same value as Dekker's below */
    *lo = __builtin_fmaf(a, b, -p);
#else
    float ca = a * 4097.0f, cb = b * 4097.0f;
    float ah = ca - (ca - a), bh = cb - (cb - b);
    float al = a - ah, bl = b - bh;
    *lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}
static inline void fa_mul_exact_f64(double a, double b, double *hi, double *lo)
{
    double p = a * b;
    *hi = p;
#ifdef __FMA__
    *lo = __builtin_fma(a, b, -p);
#else
    double ca = a * 134217729.0, cb = b * 134217729.0;
    double ah = ca - (ca - a), bh = cb - (cb - b);
    double al = a - ah, bl = b - bh;
    *lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}

/* e^(x + xlo) * 2^64 for x <= 40 (|xlo| <= ulp(x)): the left tail of e^x kept normal (callers
 * multiply by other factors first and scale back with fa_unscale64), 0 where e^x * 2^64 < the
 * smallest normal. */
static inline float fa_exp_s64_f32(float x, float xlo)
{
    const float hi = 40.0f, lo = -131.69794f; /* lo: e^lo * 2^64 >= FLT_MIN */
    float xc = __builtin_fabsf(x) < 0x1p-30f ? 0.0f : x;
    xc = xc > hi ? hi : xc;
    xc = xc < lo ? lo : xc;
    const float magic = 12582912.0f;
    float t = xc * 1.44269504088896341f + magic;
    float kf = t - magic;
    float r = xc - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    r = r + xlo;
    float y = fa_exp_poly_f32(r);
    uint32_t n = fa_bits_f32(t) - fa_bits_f32(magic);
    /* the flush below lo selects the scale (0), not the result: no lane multiplies by a
     * meaningless scale, even if the compiler drops the clamp above */
    float s = fa_from_bits_f32(x < lo ? 0u : (n + 127u + 64u) << 23);
    return y * s;
}
static inline double fa_exp_s64_f64(double x, double xlo)
{
    const double hi = 40.0, lo = -752.757; /* lo: e^lo * 2^64 >= DBL_MIN */
    double xc = __builtin_fabs(x) < 0x1p-60 ? 0.0 : x;
    xc = xc > hi ? hi : xc;
    xc = xc < lo ? lo : xc;
    const double magic = 6755399441055744.0;
    double t = xc * 1.44269504088896338700e+00 + magic;
    double kf = t - magic;
    double r = xc - kf * 6.93147180369123816490e-01;
    r = r - kf * 1.90821492927058770002e-10;
    r = r + xlo;
    double y = fa_exp_poly_f64(r);
    uint64_t n = fa_bits_f64(t) - fa_bits_f64(magic);
    double s = fa_from_bits_f64(x < lo ? 0u : (n + 1023u + 64u) << 52);
    return y * s;
}

/* e^-(u + ulo) * 2^64 for u >= 0 (any u: +inf gives 0, NaN NaN; |ulo| <= ulp(u)): fa_exp_s64
 * for a non-positive argument, as fa_expneg (no clamps; 0 where the result is below the
 * smallest normal, selected on the result). */
static inline float fa_expneg_s64_f32(float u, float ulo)
{
    const float umax = 131.69794f; /* e^-umax * 2^64 >= FLT_MIN */
    float uc = u < 0x1p-30f ? 0.0f : u;
    float t;
    float y = fa_expneg_poly_f32(uc, ulo, &t);
    float s = fa_from_bits_f32((fa_bits_f32(12582912.0f) + 127u + 64u - fa_bits_f32(t)) << 23);
    y = y * s;
    return u > umax ? 0.0f : y;
}
static inline double fa_expneg_s64_f64(double u, double ulo)
{
    double y = fa_exp_s64_f64(-u, -ulo);
    return u > 752.757 ? 0.0 : y; /* ulo may be anything there */
}

/* A zero with x's sign, without arithmetic on x (x may be subnormal). */
static inline float fa_signzero_f32(float x)
{
    return fa_from_bits_f32(fa_bits_f32(x) & 0x80000000u);
}
static inline double fa_signzero_f64(double x)
{
    return fa_from_bits_f64(fa_bits_f64(x) & 0x8000000000000000ull);
}

/* x where keep, else a zero of x's sign, by a bit mask (see fa_keepif). */
static inline float fa_keepsign_f32(float x, int keep)
{
    return fa_from_bits_f32(fa_bits_f32(x) & (keep ? 0xffffffffu : 0x80000000u));
}
static inline double fa_keepsign_f64(double x, int keep)
{
    return fa_from_bits_f64(fa_bits_f64(x) & (keep ? 0xffffffffffffffffull : 0x8000000000000000ull));
}

/* c ? a : b by bit masks: GCC does not sink it into the arms (it turned (c ? a : b) / q into
 * two divisions) */
static inline float fa_blend_f32(int c, float a, float b)
{
    uint32_t m = c ? 0xffffffffu : 0u;
    return fa_from_bits_f32((fa_bits_f32(a) & m) | (fa_bits_f32(b) & ~m));
}
static inline double fa_blend_f64(int c, double a, double b)
{
    uint64_t m = c ? 0xffffffffffffffffull : 0u;
    return fa_from_bits_f64((fa_bits_f64(a) & m) | (fa_bits_f64(b) & ~m));
}

/* min(a, c) for a >= 0 or NaN (gives c) and a constant c > 0: an integer minimum on the bits in
 * float (no select on a constant arm, which GCC would specialize the rest of the code on) */
static inline float fa_minpos_f32(float a, float c)
{
    int32_t ia = (int32_t)fa_bits_f32(a), ic = (int32_t)fa_bits_f32(c);
    return fa_from_bits_f32((uint32_t)(ia < ic ? ia : ic));
}
static inline double fa_minpos_f64(double a, double c)
{
    return a < c ? a : c; /* no 64-bit integer minimum before AVX-512; NaN gives NaN here */
}

/* |m| with x's sign */
static inline float fa_withsign_f32(float m, float x)
{
    return fa_from_bits_f32(fa_bits_f32(m) | (fa_bits_f32(x) & 0x80000000u));
}
static inline double fa_withsign_f64(double m, double x)
{
    return fa_from_bits_f64(fa_bits_f64(m) | (fa_bits_f64(x) & 0x8000000000000000ull));
}

/* c * x for a subnormal x (|c| < 2^100), without arithmetic on a subnormal number: x's
 * integer mantissa times c, scaled down through the exponent bits; a zero of the product's sign
 * where the product is subnormal. Safe to evaluate for any x (the compiler may do so in every
 * vector lane, and may drop a select that guards an operand): no floating-point step can
 * produce a subnormal. (For normal x use c * x.) */
static inline float fa_mul_subnormal_f32(float x, float c)
{
    float m = (float)(int32_t)(fa_bits_f32(x) & 0x007fffffu);
    float t = m * c;
    /* t * 2^-149 by the exponent bits (exact where the result is normal, |t| >= 2^23) */
    float y = fa_from_bits_f32(fa_bits_f32(t) - (149u << 23));
    y = __builtin_fabsf(t) < 0x1p23f ? 0.0f : y;
    return fa_from_bits_f32(fa_bits_f32(y) ^ (fa_bits_f32(x) & 0x80000000u));
}
static inline double fa_mul_subnormal_f64(double x, double c)
{
    double m = fa_from_bits_f64(0x4330000000000000ull | (fa_bits_f64(x) & 0x000fffffffffffffull))
               - 4503599627370496.0;
    double t = m * c;
    /* t * 2^-1074 by the exponent bits (exact where the result is normal, |t| >= 2^52) */
    double y = fa_from_bits_f64(fa_bits_f64(t) - (1074ull << 52));
    y = __builtin_fabs(t) < 0x1p52 ? 0.0 : y;
    return fa_from_bits_f64(fa_bits_f64(y) ^ (fa_bits_f64(x) & 0x8000000000000000ull));
}

/* v * 2^-64, flushed to a signed zero where the result would be subnormal. The scaling is done
 * on the exponent bits, so no lane ever computes a subnormal product, whatever the compiler does
 * with the selects; inf and NaN pass through. */
static inline float fa_unscale64_f32(float v)
{
    float a = __builtin_fabsf(v);
    float y = fa_from_bits_f32(fa_bits_f32(v) - (64u << 23));
    y = a <= 3.40282347e38f ? y : v;
    return a < 0x1p-62f ? fa_signzero_f32(v) : y;
}
static inline double fa_unscale64_f64(double v)
{
    double a = __builtin_fabs(v);
    double y = fa_from_bits_f64(fa_bits_f64(v) - (64ull << 52));
    y = a <= 1.7976931348623157e308 ? y : v;
    return a < 0x1p-958 ? fa_signzero_f64(v) : y;
}

/* e^-(u + ulo) = p 2^-n in parts, for 0 <= u <= 150 (float) / 800 (double) (callers clamp;
 * |ulo| <= ulp(u)): returns p = e^r, r = n ln2 - u - ulo (|r| <= ln2/2, as fa_expneg), and
 * sets *t to a number whose low bits hold n, for fa_expneg_join and fa_scaledown (NaN: p = 1,
 * n = 0; the caller carries the NaN through another operand). Lets a caller
 * multiply p by other factors first and apply 2^-n once at the end, on the exponent bits. */
static inline float fa_expneg_parts_f32(float u, float ulo, float *t)
{
    float uc = fa_keepif_f32(u, u >= 0x1p-30f); /* tiny, subnormal, NaN: e^-u = 1 (a mask, so
                                                    the compiler does not specialize on 0) */
    return fa_expneg_poly_f32(uc, ulo, t);
}
static inline double fa_expneg_parts_f64(double u, double ulo, double *t)
{
    double uc = fa_keepif_f64(u, u >= 0x1p-60);
    const double magic = 6755399441055744.0;
    double tt = uc * 1.44269504088896338700e+00 + magic;
    double kf = tt - magic;
    double r = kf * 6.93147180369123816490e-01 - uc;
    r = r + kf * 1.90821492927058770002e-10;
    r = r - ulo;
    *t = tt;
    return fa_exp_poly_f64(r);
}

/* e^-u = p 2^-n from fa_expneg_parts (u as given to it), 0 where that is below the smallest
 * normal: 2^-n is built from t's bits (for the n of the flushed range it is 0, inf or a normal
 * power of two, never subnormal) and the flush selects on the result. */
static inline float fa_expneg_join_f32(float p, float t, float u)
{
    float s = fa_from_bits_f32((fa_bits_f32(12582912.0f) + 127u - fa_bits_f32(t)) << 23);
    float y = p * s;
    return u > 87.33654022216797f ? 0.0f : y;
}
static inline double fa_expneg_join_f64(double p, double t, double u)
{
    double s = fa_from_bits_f64((fa_bits_f64(6755399441055744.0) + 1023u - fa_bits_f64(t)) << 52);
    double y = p * s;
    return u > 708.3964185322641 ? 0.0 : y;
}

/* d 2^-n for finite d and the n held in t (fa_expneg_parts), on the exponent bits (exact where
 * the result is normal); a zero of d's sign where the result is below the smallest normal. No
 * lane computes a subnormal number. */
static inline float fa_scaledown_f32(float d, float t)
{
    uint32_t nsh = (fa_bits_f32(t) - fa_bits_f32(12582912.0f)) << 23;
    float lim = fa_from_bits_f32(nsh + 0x00800000u); /* 2^(n - 126): smallest |d| kept */
    float y = fa_from_bits_f32(fa_bits_f32(d) - nsh);
    return __builtin_fabsf(d) >= lim ? y : fa_signzero_f32(d);
}
static inline double fa_scaledown_f64(double d, double t)
{
    uint64_t nsh = (fa_bits_f64(t) - fa_bits_f64(6755399441055744.0)) << 52;
    double lim = fa_from_bits_f64(nsh + 0x0010000000000000ull);
    double y = fa_from_bits_f64(fa_bits_f64(d) - nsh);
    return __builtin_fabs(d) >= lim ? y : fa_signzero_f64(d);
}

/* ---------------------------------------------------------------- expm1 */

/* expm1(r) of the reduced argument r = x - k ln2, with t (k in its low bits) and kf = k */
static inline float fa_expm1_reduced_f32(float xc, float *t, float *kf)
{
    const float magic = 12582912.0f;
    *t = xc * 1.44269504088896341f + magic;
    *kf = *t - magic;
    float r = xc - *kf * 0.693359375f;
    r = r - *kf * -2.12194440e-4f;
    float p = 1.98826900437e-4f;
    p = p * r + 1.39261761199e-3f;
    p = p * r + 8.33332089215e-3f;
    p = p * r + 4.16665546621e-2f;
    p = p * r + 1.66666666667e-1f;
    float r2 = r * r;
    return r + (r2 * 0.5f + (r2 * r) * p);
}
/* e^x - 1. x = k ln2 + r (|r| <= ln2/2, ln2 in two parts); expm1(r) = r + r^2/2 + r^3 P(r)
 * (P fitted by tools/mathcheck/fit_coeffs.py); then expm1(x) = 2^k expm1(r) + (2^k - 1), one
 * rounding at the end, with 2^k split in two for k > 64 (overflow to inf is then natural).
 * For |x| < 2^-26 the result is x; below -30 it is -1. */
static inline float fa_expm1_f32(float x)
{
    /* x clamped to [-30, 88.8], tiny x to 0, by masks and an integer minimum (selects with a
     * constant arm make GCC duplicate the code below for that arm) */
    uint32_t lim = fa_bits_f32(30.0f)
                   + ((fa_bits_f32(88.8f) - fa_bits_f32(30.0f)) & (x > 0.0f ? 0xffffffffu : 0u));
    float a = fa_minpos_f32(__builtin_fabsf(x), fa_from_bits_f32(lim));
    float xc = fa_withsign_f32(fa_keepif_f32(a, a >= 0x1p-26f), x);
    float t, kf;
    float em = fa_expm1_reduced_f32(xc, &t, &kf);
    uint32_t big = kf > 64.0f ? 0xffffffffu : 0u;
    uint32_t n1 = fa_bits_f32(t) - fa_bits_f32(12582912.0f) - (64u & big);
    float s1 = fa_from_bits_f32((n1 + 127u) << 23);
    float c = s1 - fa_from_bits_f32(fa_bits_f32(1.0f) - ((64u << 23) & big)); /* 2^-64 or 1 */
    float y = (s1 * em + c) * fa_from_bits_f32(fa_bits_f32(1.0f) + ((64u << 23) & big));
    return !(__builtin_fabsf(x) >= 0x1p-26f) ? x : y; /* tiny x and NaN */
}
/* fa_expm1 for x <= 0 only (ELU's negative side; any other x gives some finite value, NaN NaN):
 * the same steps and bits as fa_expm1_f32 there, without its overflow side. */
static inline float fa_expm1_neg_f32(float x)
{
    float a = fa_minpos_f32(__builtin_fabsf(x), 30.0f); /* -30: e^x - 1 = -1 in float */
    a = fa_keepif_f32(a, a >= 0x1p-26f);
    float xc = -a;
    float t, kf;
    float em = fa_expm1_reduced_f32(xc, &t, &kf);
    uint32_t n1 = fa_bits_f32(t) - fa_bits_f32(12582912.0f);
    float s1 = fa_from_bits_f32((n1 + 127u) << 23);
    float y = s1 * em + (s1 - 1.0f);
    (void)kf;
    return !(__builtin_fabsf(x) >= 0x1p-26f) ? x : y; /* tiny x and NaN */
}
static inline double fa_expm1_f64(double x)
{
    double xc = __builtin_fabs(x) < 0x1p-54 ? 0.0 : x;
    xc = xc > 709.8 ? 709.8 : xc;
    xc = xc < -40.0 ? -40.0 : xc;
    const double magic = 6755399441055744.0;
    double t = xc * 1.44269504088896338700e+00 + magic;
    double kf = t - magic;
    double r = xc - kf * 6.93147180369123816490e-01;
    r = r - kf * 1.90821492927058770002e-10;
    double p = 2.09112297297585632861e-9;
    p = p * r + 2.51003758325612336644e-8;
    p = p * r + 2.75572829840558765958e-7;
    p = p * r + 2.75572684803100255256e-6;
    p = p * r + 2.48015873171351642352e-5;
    p = p * r + 1.98412698630405452706e-4;
    p = p * r + 1.38888888888865543858e-3;
    p = p * r + 8.33333333333006444947e-3;
    p = p * r + 4.16666666666666672275e-2;
    p = p * r + 1.66666666666666674519e-1;
    double r2 = r * r;
    double em = r + (r2 * 0.5 + (r2 * r) * p);
    double t1 = (kf > 512.0 ? kf - 512.0 : kf) + magic;
    uint64_t n1 = fa_bits_f64(t1) - fa_bits_f64(magic);
    double s1 = fa_from_bits_f64((n1 + 1023u) << 52);
    double c = s1 - (kf > 512.0 ? 0x1p-512 : 1.0);
    double y = (s1 * em + c) * (kf > 512.0 ? 0x1p512 : 1.0);
    return __builtin_fabs(x) < 0x1p-54 ? x : y;
}
static inline double fa_expm1_neg_f64(double x) { return fa_expm1_f64(x); }

/* ---------------------------------------------------------------- log1p */

/* log(1 + x) (fdlibm's method): u = 1 + x rounded, c = the rounding error of u divided by u;
 * u = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f);
 * log(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2))) with R fitted by tools/mathcheck/fit_coeffs.py.
 * x = -1 gives -inf, x < -1 NaN, +inf inf; |x| < 2^-26 gives x. */
static inline float fa_log1p_f32(float x)
{
    float xc = __builtin_fabsf(x) < 0x1p-26f ? 0.0f : x;
    xc = xc < -0.99999994f ? -0.99999994f : xc;
    xc = xc > 3.4028234e38f ? 3.4028234e38f : xc;
    float u = 1.0f + xc;
    uint32_t iu = fa_bits_f32(u) + (0x3f800000u - 0x3f3504f3u);
    float kf = (float)((int32_t)(iu >> 23) - 127);
    float m = fa_from_bits_f32((iu & 0x007fffffu) + 0x3f3504f3u);
    float f = m - 1.0f;
    float c = kf > 0.0f ? 1.0f - (u - xc) : xc - (u - 1.0f);
    c = kf < 25.0f ? c / u : 0.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float g = 2.95799493920e-1f;
    g = g * z + 3.99887805660e-1f;
    g = g * z + 6.66666850396e-1f;
    float R = z * g;
    float hfsq = 0.5f * f * f;
    float y = kf * 6.9313812256e-01f
              - ((hfsq - (s * (hfsq + R) + (kf * 9.0580006145e-06f + c))) - f);
    y = __builtin_fabsf(x) < 0x1p-26f ? x : y;
    y = x == -1.0f ? -__builtin_inff() : y;
    y = x < -1.0f ? __builtin_nanf("") : y;
    y = x > 3.4028234e38f ? x : y;
    return x != x ? x : y;
}
static inline double fa_log1p_f64(double x)
{
    double xc = __builtin_fabs(x) < 0x1p-54 ? 0.0 : x;
    xc = xc < -0.99999999999999989 ? -0.99999999999999989 : xc;
    xc = xc > 1.7976931348623157e308 ? 1.7976931348623157e308 : xc;
    double u = 1.0 + xc;
    uint64_t iu = fa_bits_f64(u) + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    /* k as a double without an int64 conversion (not vectorizable before AVX-512) */
    double kf = fa_from_bits_f64(0x4330000000000000ull | (iu >> 52))
                - (4503599627370496.0 + 1023.0);
    double m = fa_from_bits_f64((iu & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
    double f = m - 1.0;
    double c = kf > 0.0 ? 1.0 - (u - xc) : xc - (u - 1.0);
    c = kf < 54.0 ? c / u : 0.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double g = 1.46164496850434058604e-1;
    g = g * z + 1.53317216005560412686e-1;
    g = g * z + 1.81828891252617220803e-1;
    g = g * z + 2.22222111347950798551e-1;
    g = g * z + 2.85714286259754849215e-1;
    g = g * z + 3.99999999998995044898e-1;
    g = g * z + 6.66666666666666968616e-1;
    double R = z * g;
    double hfsq = 0.5 * f * f;
    double y = kf * 6.93147180369123816490e-01
               - ((hfsq - (s * (hfsq + R) + (kf * 1.90821492927058770002e-10 + c))) - f);
    y = __builtin_fabs(x) < 0x1p-54 ? x : y;
    y = x == -1.0 ? -__builtin_inf() : y;
    y = x < -1.0 ? __builtin_nan("") : y;
    y = x > 1.7976931348623157e308 ? x : y;
    return x != x ? x : y;
}

/* log(1 + x) for 0 <= x <= 1 only (softplus' log1p(e^-|v|)): fa_log1p's method without its
 * range reduction by bits or special cases. u = 1 + x in [1, 2], c = x - (u - 1) exactly, k = 1
 * above sqrt2 (m = u / 2) else 0, f = m - 1 exactly; tiny x gives x. */
static inline float fa_log1p_unit_f32(float x)
{
    float u = 1.0f + x;
    float c = x - (u - 1.0f);
    float kf = u > 1.41421354f ? 1.0f : 0.0f;
    float f = (u > 1.41421354f ? 0.5f * u : u) - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float g = 2.95799493920e-1f;
    g = g * z + 3.99887805660e-1f;
    g = g * z + 6.66666850396e-1f;
    float R = z * g;
    float hfsq = 0.5f * f * f;
    return kf * 6.9313812256e-01f
           - ((hfsq - (s * (hfsq + R) + (kf * 9.0580006145e-06f + c / u))) - f);
}
static inline double fa_log1p_unit_f64(double x)
{
    double u = 1.0 + x;
    double c = x - (u - 1.0);
    double kf = u > 1.4142135623730951 ? 1.0 : 0.0;
    double f = (u > 1.4142135623730951 ? 0.5 * u : u) - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double g = 1.46164496850434058604e-1;
    g = g * z + 1.53317216005560412686e-1;
    g = g * z + 1.81828891252617220803e-1;
    g = g * z + 2.22222111347950798551e-1;
    g = g * z + 2.85714286259754849215e-1;
    g = g * z + 3.99999999998995044898e-1;
    g = g * z + 6.66666666666666968616e-1;
    double R = z * g;
    double hfsq = 0.5 * f * f;
    return kf * 6.93147180369123816490e-01
           - ((hfsq - (s * (hfsq + R) + (kf * 1.90821492927058770002e-10 + c / u))) - f);
}

/* ---------------------------------------------------------------- tanh */

/* tanh(x) = sign(x) em / (em + 2), em = e^(2a) - 1, a = min(|x|, 10) (tanh rounds to 1 from
 * 9.011 on; the clamp only keeps 2^n finite). 2a = n ln2 + r (|r| <= ln2/2, ln2 in two parts),
 * expm1(r) = r + r^2 P(r) with fa_exp_poly's P (FA_EXP_P*), em = 2^n expm1(r) + (2^n - 1): one
 * approximation and one division (the former form evaluated an odd polynomial and the exp form
 * and selected: 1.5x the time). x for |x| < 2^-12 (a is zeroed by a mask first: nothing tiny is
 * squared) and for NaN. 3 ULP (2 of the 2^31 positive inputs, near 0.06, where the rounding of
 * em costs 1.2 ULP; an extra path for 2a < ln2/2 that avoids it made tanh 1.2x slower).
 * double: x + x^3 Q(x^2) for |x| < 0.5625, else 1 - 2 / (e^2|x| + 1), with x's sign. */
static inline float fa_tanh_f32(float x)
{
    float ax = __builtin_fabsf(x);
    int keep = ax >= 0x1p-12f; /* false: tiny, subnormal, NaN */
    float a = fa_keepif_f32(fa_minpos_f32(ax, 10.0f), keep);
    const float magic = 12582912.0f; /* 1.5 * 2^23 */
    float u = a + a;                 /* exact */
    float t = u * 1.44269504088896341f + magic;
    float kf = t - magic; /* n = round(2a / ln2), 0..29 */
    float r = u - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    float p = FA_EXP_P4;
    p = p * r + FA_EXP_P3;
    p = p * r + FA_EXP_P2;
    p = p * r + FA_EXP_P1;
    p = p * r + 0.5f;
    float s = fa_from_bits_f32((fa_bits_f32(t) + 127u) << 23); /* 2^n from t's low 9 bits */
    float em = s * (p * (r * r) + r) + (s - 1.0f);
    float y = em / (em + 2.0f);
    return keep ? fa_withsign_f32(y, x) : x;
}
static inline double fa_tanh_f64(double x)
{
    double ax = __builtin_fabs(x);
    uint64_t keep = ax < 0x1p-27 ? 0u : 0xffffffffffffffffull;
    double xs = ax < 0.5625 ? fa_from_bits_f64(fa_bits_f64(x) & keep) : 0.5;
    double z = xs * xs;
    double q = -2.91032288340146908285e-6;
    q = q * z + 1.31664221585282293074e-5;
    q = q * z + -3.79316514807946611876e-5;
    q = q * z + 9.64763673694332336865e-5;
    q = q * z + -2.39030918170639645820e-4;
    q = q * z + 5.90012223860403100918e-4;
    q = q * z + -1.45583276390067778352e-3;
    q = q * z + 3.59212792012110875281e-3;
    q = q * z + -8.86323552452506830737e-3;
    q = q * z + 2.18694885360071354649e-2;
    q = q * z + -5.39682539682518462530e-2;
    q = q * z + 1.33333333333333321367e-1;
    q = q * z + -3.33333333333333333322e-1;
    double small = xs + xs * (z * q);
    double e = fa_exp_f64(2.0 * ax);
    double big = 1.0 - 2.0 / (e + 1.0);
    big = fa_from_bits_f64(fa_bits_f64(big) | (fa_bits_f64(x) & 0x8000000000000000ull));
    double y = ax < 0.5625 ? small : big;
    return ax < 0x1p-27 ? x : y;
}

/* ---------------------------------------------------------------- erfcx, erfc */

/* erfcx(a) = e^(a^2) erfc(a) for a >= 0 (finite): 2 / (1 + 2a) K(Y), Y = (a - L) / (a + L),
 * K a polynomial (Weideman's mapping; fitted by tools/mathcheck/fit_coeffs.py). */
static inline float fa_erfcx_pos_f32(float a)
{
    float y = (a - 3.0f) / (a + 3.0f);
    float k = 1.94587577860e-6f;
    k = k * y + 3.86020696903e-5f;
    k = k * y + -5.21105885537e-5f;
    k = k * y + -3.63080400585e-4f;
    k = k * y + 9.44107850404e-4f;
    k = k * y + 1.24941130569e-3f;
    k = k * y + -1.18851943557e-2f;
    k = k * y + 3.41583486472e-2f;
    k = k * y + -5.96368392158e-2f;
    k = k * y + 6.48220455125e-2f;
    k = k * y + -2.37811469139e-2f;
    k = k * y + -6.78105341103e-2f;
    k = k * y + 6.26504029135e-1f;
    return (k + k) / (1.0f + 2.0f * a);
}
static inline double fa_erfcx_pos_f64(double a)
{
    double y = (a - 3.5) / (a + 3.5);
    double k = -4.97353513190915418066e-11;
    k = k * y + -5.81809269835882669097e-10;
    k = k * y + 3.28702437812885787924e-10;
    k = k * y + 6.80631772781845364963e-9;
    k = k * y + -4.51224613804294349195e-10;
    k = k * y + -4.81854281650415392593e-8;
    k = k * y + -3.12340939986540515398e-9;
    k = k * y + 3.00720084597201359468e-7;
    k = k * y + -2.26772884878659878181e-8;
    k = k * y + -1.90698736636352142525e-6;
    k = k * y + 1.16438017796984347425e-6;
    k = k * y + 1.21301394262969321445e-5;
    k = k * y + -2.13911712332819420497e-5;
    k = k * y + -6.07560562174738539142e-5;
    k = k * y + 2.82192217024237225615e-4;
    k = k * y + -1.51133977761470149413e-4;
    k = k * y + -2.10750995459016232695e-3;
    k = k * y + 9.54966547679284423971e-3;
    k = k * y + -2.44116629139160821589e-2;
    k = k * y + 4.39915769120052334351e-2;
    k = k * y + -5.75447990800971962834e-2;
    k = k * y + 4.87595475766440383503e-2;
    k = k * y + -5.27779816610911646714e-3;
    k = k * y + -7.00045900688098575718e-2;
    k = k * y + 6.21174622435577189611e-1;
    return (k + k) / (1.0 + 2.0 * a);
}

/* erf(x) = x E(x^2) for |x| <= 1/2 (E fitted by tools/mathcheck/fit_coeffs.py); the caller
 * passes 0 for tiny or out-of-range x. */
static inline float fa_erf_small_f32(float x)
{
    float z = x * x;
    float e = -7.69453427914e-4f;
    e = e * z + 5.20041372434e-3f;
    e = e * z + -2.68631430322e-2f;
    e = e * z + 1.12837740132e-1f;
    e = e * z + -3.76126385257e-1f;
    e = e * z + 1.12837916708e+0f;
    return x * e;
}
static inline double fa_erf_small_f64(double x)
{
    double z = x * x;
    double e = 1.32143782383384385587e-8;
    e = e * z + -1.62731387616869772233e-7;
    e = e * z + 1.64590343272189114652e-6;
    e = e * z + -1.49255865600964152271e-5;
    e = e * z + 1.20553321311759813755e-4;
    e = e * z + -8.54832701615916348941e-4;
    e = e * z + 5.22397762540319254469e-3;
    e = e * z + -2.68661706451300345886e-2;
    e = e * z + 1.12837916709551237898e-1;
    e = e * z + -3.76126389031837524510e-1;
    e = e * z + 1.12837916709551257390e+0;
    return x * e;
}

/* Phi(-a) e^(a^2/2) = erfcx(a / sqrt2) / 2 for a >= 0 (finite): the normal tail without its
 * Gaussian factor, for GELU: H(Y) / (a + 5), Y = (a - 5) / (a + 5), H a polynomial (fitted by
 * tools/mathcheck/fit_coeffs.py). Float: fa_phix_rat_f32 below. */
static inline double fa_phix_pos_f64(double a)
{
    double d = a + 5.0;
    double y = (a - 5.0) / d;
    double h = 1.29358504317226397164e-10;
    h = h * y + -1.32570253884510767087e-10;
    h = h * y + -1.56163281912319812833e-09;
    h = h * y + 1.26820071257269640022e-09;
    h = h * y + 1.13126764365727513824e-08;
    h = h * y + -6.93288724630288687173e-09;
    h = h * y + -7.04896249423087918981e-08;
    h = h * y + 3.85600704021900087751e-08;
    h = h * y + 4.36415126895279084719e-07;
    h = h * y + -3.33532498674329869368e-07;
    h = h * y + -2.77073479605030318488e-06;
    h = h * y + 3.97935553185544325743e-06;
    h = h * y + 1.66816347112936941722e-05;
    h = h * y + -4.97623256274019572579e-05;
    h = h * y + -5.93758052073468912090e-05;
    h = h * y + 5.44898967806730087811e-04;
    h = h * y + -7.97869389621466587430e-04;
    h = h * y + -2.99337675889296958229e-03;
    h = h * y + 2.07950667992797787187e-02;
    h = h * y + -6.91186387070787944253e-02;
    h = h * y + 1.65020366170407051243e-01;
    h = h * y + -3.13533156671281121319e-01;
    h = h * y + 4.95305615969976076318e-01;
    h = h * y + -6.65382502890056959366e-01;
    h = h * y + 7.69193049750062973757e-01;
    return h / d;
}

/* e^(-c a^2) for a power of two c, with a^2 formed exactly (hi + lo) so the exponential sees
 * no rounding of its argument; flushed to 0 below the smallest normal. */
static inline float fa_exp_negsq_f32(float a, float c)
{
    float hi, lo;
    fa_mul_exact_f32(a, a, &hi, &lo);
    return fa_exp_hilo_f32(-c * hi, -c * lo);
}
static inline double fa_exp_negsq_f64(double a, double c)
{
    double hi, lo;
    fa_mul_exact_f64(a, a, &hi, &lo);
    return fa_exp_hilo_f64(-c * hi, -c * lo);
}

/* erfc(x) = 1 - erf(x) for |x| < 1/2, else e^(-x^2) erfcx(|x|) for x > 0, 2 - erfc(-x) for
 * x < 0. Results below the smallest normal (x > 9.19455 float, 26.72484 double) are 0. */
static inline float fa_erfc_f32(float x)
{
    const float amax = 9.1945485f; /* erfc(amax) >= FLT_MIN */
    float a = __builtin_fabsf(x);
    float ac = a < 0x1p-30f ? 0.0f : a;
    ac = ac > amax ? amax : ac;
    float r = fa_exp_negsq_f32(ac, 1.0f) * fa_erfcx_pos_f32(ac);
    r = a > amax ? 0.0f : r;
    r = r < 1.17549435e-38f ? 0.0f : r;
    r = x < 0.0f ? 2.0f - r : r;
    float xs = a < 0.5f ? (a < 0x1p-30f ? 0.0f : x) : 0.0f;
    return a < 0.5f ? 1.0f - fa_erf_small_f32(xs) : r;
}
static inline double fa_erfc_f64(double x)
{
    const double amax = 26.724840183; /* erfc(amax) >= DBL_MIN */
    double a = __builtin_fabs(x);
    double ac = a < 0x1p-60 ? 0.0 : a;
    ac = ac > amax ? amax : ac;
    double r = fa_exp_negsq_f64(ac, 1.0) * fa_erfcx_pos_f64(ac);
    r = a > amax ? 0.0 : r;
    r = r < 2.2250738585072014e-308 ? 0.0 : r;
    r = x < 0.0 ? 2.0 - r : r;
    double xs = a < 0.5 ? (a < 0x1p-60 ? 0.0 : x) : 0.0;
    return a < 0.5 ? 1.0 - fa_erf_small_f64(xs) : r;
}

/* ---------------------------------------------------------------- float GELU building blocks */

/* e^-(u + ulo) * 2^s, float, for 0 <= u <= 95 (u = 0 or u >= 2^-100; |ulo| <= 2^-10 u) and
 * 0 <= s <= 24: every step stays normal there, so no clamps (the caller bounds u). As
 * fa_expneg_s64_f32, with the scale 2^(s-n) added to the exponent bits of e^r. */
static inline float fa_expneg_sc_f32(float u, float ulo, uint32_t s)
{
    float t;
    float y = fa_expneg_poly_f32(u, ulo, &t);
    /* the low 9 bits of t hold n */
    return fa_from_bits_f32(fa_bits_f32(y) + (s << 23) - (fa_bits_f32(t) << 23));
}

/* e^(-a^2/2) * 2^s, float, for 0 <= a <= 13.35 and 0 <= s <= 24 (a may be 0 or tiny, never
 * subnormal): a^2/2 = u + ulo with u = ah^2/2 exact (ah = a's top 12 bits, at least 2^-40 so
 * that its square stays normal) and ulo = (a - ah)(a + ah)/2 (exact algebra for any ah, rounded
 * once), then fa_expneg_sc_f32. */
static inline float fa_exp_halfsq_f32(float a, uint32_t s)
{
    /* max(a's top 12 bits, 2^-40) on the bits (a float select here lets the compiler split the
     * whole exponential into two copies, one per operand) */
    uint32_t hb = fa_bits_f32(a) & 0xfffff000u;
    float ah = fa_from_bits_f32(hb < 0x2b800000u ? 0x2b800000u : hb);
    return fa_expneg_sc_f32((0.5f * ah) * ah, (a - ah) * (0.5f * (a + ah)), s);
}

/* Phi(-a) e^(a^2/2) = erfcx(a / sqrt2) / 2 for 0 <= a <= 13.4 (float): P(a) / Q(a), degrees 4
 * and 5, positive coefficients (relative fit error 0.09 ULP); P and Q in double, so the result
 * is rounded once (evaluated in float they alone reach 5 ULP each). */
static inline float fa_phix_rat_f32(float a)
{
    double x = a;
    double p = 4.02908523270578688980e-03;
    p = p * x + 4.00444009171944531600e-02;
    p = p * x + 1.81486004624397484486e-01;
    p = p * x + 4.35929336943233380897e-01;
    p = p * x + 5.00000002527599907154e-01;
    double q = 1.00992780457932057603e-02;
    q = q * x + 1.00383718691878121021e-01;
    q = q * x + 4.64853422306581387513e-01;
    q = q * x + 1.19523045194036003913e+00;
    q = q * x + 1.66974359851025710988e+00;
    q = q * x + 1.0;
    return (float)(p / q);
}
/* the generic GELU path's float instance (fa_act_smooth.h), which float GELU never takes */
static inline float fa_phix_pos_f32(float a) { return fa_phix_rat_f32(a); }

#endif
