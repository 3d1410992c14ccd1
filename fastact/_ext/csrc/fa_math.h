/* fa_math.h: branch-free, auto-vectorizable elementary functions for fastact's kernels.
 *
 * Every function is `static inline`, uses only selects (c ? a : b), arithmetic and bit
 * reinterpretation, so GCC vectorizes loops that call it at every ISA level (SSE2, AVX2,
 * AVX-512). Built with -ffp-contract=off: a*b+c is two roundings everywhere, so results are
 * bit-identical at every ISA level. Never -ffast-math.
 *
 * Subnormal results are flushed to +0 (exp) on purpose: fastact's error budget for a result
 * below the smallest normal number is that number, and computing subnormals costs microcode
 * assists on many x86 cores. Subnormal inputs are treated as 0 before any multiplication.
 *
 * function           formula              specials                        max error (f32 / f64)
 * fa_exp_*(x)        e^x                  +inf->inf, -inf->0, NaN->NaN    1 ULP / 1 ULP
 * fa_sigmoid_*(x)    1 / (1 + e^-x)       +inf->1, -inf->0, NaN->NaN      2 ULP / 2 ULP
 * (errors measured by tools/mathcheck and asserted by the test suite; results below the
 * smallest normal number are within that number.)
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

/* e^x, float. n = round(x log2 e) by the magic-bias add; r = x - n ln2 with ln2 in two parts
 * (n ln2_hi is exact: n has <= 8 bits, ln2_hi 9); e^r by Cephes' degree-6 polynomial on
 * |r| <= ln2/2; 2^n applied as 2^(n-k) * 2^k with k = +-64 so both factors are normal. */
static inline float fa_exp_f32(float x)
{
    const float hi = 88.8f, lo = -87.33654022216797f; /* lo: smallest x with e^x >= FLT_MIN */
    float xc = __builtin_fabsf(x) < 0x1p-30f ? 0.0f : x; /* tiny and subnormal: e^x = 1 */
    xc = xc > hi ? hi : xc;
    xc = xc < lo ? lo : xc;
    const float magic = 12582912.0f;                     /* 1.5 * 2^23 */
    float t = xc * 1.44269504088896341f + magic;
    float kf = t - magic;
    float r = xc - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * (r * r) + r + 1.0f;
    float kh = kf > 0.0f ? 64.0f : -64.0f;
    float t1 = (kf - kh) + magic;
    uint32_t n1 = fa_bits_f32(t1) - fa_bits_f32(magic);
    float s1 = fa_from_bits_f32((n1 + 127u) << 23);
    float s2 = kf > 0.0f ? 0x1p64f : 0x1p-64f;
    y = (y * s1) * s2;
    return x < lo ? 0.0f : y;
}

/* e^x, double: as the float version with a degree-13 Taylor polynomial (truncation < 2^-58 on
 * |r| <= ln2/2) and fdlibm's two-part ln2 (n ln2_hi exact: n has <= 11 bits, ln2_hi 32). */
static inline double fa_exp_f64(double x)
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
    double y = 1.0 + (r + p * (r * r));
    double kh = kf > 0.0 ? 512.0 : -512.0;
    double t1 = (kf - kh) + magic;
    uint64_t n1 = fa_bits_f64(t1) - fa_bits_f64(magic);
    double s1 = fa_from_bits_f64((n1 + 1023u) << 52);
    double s2 = kf > 0.0 ? 0x1p512 : 0x1p-512;
    y = (y * s1) * s2;
    return x < lo ? 0.0 : y;
}

/* sigmoid(x) = 1 / (1 + e^-x) as e/(1+e) or 1/(1+e) with e = e^-|x|: no overflow, and full
 * relative accuracy in the left tail where 1/(1+e^-x) loses it. */
static inline float fa_sigmoid_f32(float x)
{
    float e = fa_exp_f32(-__builtin_fabsf(x));
    float num = x >= 0.0f ? 1.0f : e;
    return num / (1.0f + e);
}

static inline double fa_sigmoid_f64(double x)
{
    double e = fa_exp_f64(-__builtin_fabs(x));
    double num = x >= 0.0 ? 1.0 : e;
    return num / (1.0 + e);
}

#endif
