/* Accuracy of fa_math.h.
 * float32: every one of the 2^32 bit patterns against double-precision libm.
 * float64: a large random sample (random bit patterns and uniform draws over each function's
 * interesting range) against long-double libm.
 * ULP = |got - round(ref)| in units of the spacing at round(ref); where the true result is below
 * the smallest normal number the error is |got - ref| / that number (must be <= 1).
 * Build/run: see run.sh. Usage: exhaustive_<level> [function] [f32|f64] */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fa_math.h"

static double ref_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
static long double ref_sigmoidl(long double x)
{
    return x >= 0 ? 1.0L / (1.0L + expl(-x)) : expl(x) / (1.0L + expl(x));
}

typedef struct {
    const char *name;
    float (*f)(float);
    double (*ref)(double);
    double (*f64)(double);
    long double (*ref64)(long double);
    double range; /* uniform draws in [-range, range] for the float64 sample */
} fn_t;

#define WRAP(name)                                                                            \
    static float w_##name(float x) { return fa_##name##_f32(x); }                             \
    static double w64_##name(double x) { return fa_##name##_f64(x); }
WRAP(exp)
WRAP(sigmoid)
WRAP(expm1)
WRAP(log1p)
WRAP(tanh)
WRAP(erfc)
/* fa_expneg(u) is defined for u >= 0: checked as e^-|x| */
static float w_expneg(float x) { return fa_expneg_f32(fabsf(x)); }
static double w64_expneg(double x) { return fa_expneg_f64(fabs(x)); }
static double ref_expneg(double x) { return exp(-fabs(x)); }
static long double ref_expnegl(long double x) { return expl(-fabsl(x)); }

static double ulp_err(float got, double ref)
{
    if (isnan(ref)) return isnan(got) ? 0 : INFINITY;
    if (isinf(ref)) return (double)got == ref ? 0 : INFINITY;
    float rr = (float)ref;
    if (isinf(rr)) return got == rr ? 0 : INFINITY;
    if (isnan(got) || isinf(got)) return INFINITY;
    if (fabs(ref) < FLT_MIN) return fabs((double)got - ref) / FLT_MIN;
    double sp = (double)nextafterf(fabsf(rr), INFINITY) - fabsf(rr);
    return fabs((double)got - (double)rr) / sp;
}

static double ulp_err64(double got, long double ref)
{
    if (isnan(ref)) return isnan(got) ? 0 : INFINITY;
    if (isinf(ref)) return (long double)got == ref ? 0 : INFINITY;
    double rr = (double)ref;
    if (isinf(rr)) return got == rr ? 0 : INFINITY;
    if (isnan(got) || isinf(got)) return INFINITY;
    if (fabsl(ref) < DBL_MIN) return (double)(fabsl((long double)got - ref) / DBL_MIN);
    double sp = nextafter(fabs(rr), INFINITY) - fabs(rr);
    return (double)(fabsl((long double)got - (long double)rr) / sp);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void sweep_f32(const fn_t *fn)
{
    double worst = 0;
    uint32_t worst_bits = 0;
#pragma omp parallel
    {
        double w = 0;
        uint32_t wb = 0;
#pragma omp for schedule(static)
        for (int64_t i = 0; i <= 0xffffffffLL; i++) {
            uint32_t u = (uint32_t)i;
            float x;
            memcpy(&x, &u, 4);
            double e = ulp_err(fn->f(x), fn->ref((double)x));
            if (e > w) { w = e; wb = u; }
        }
#pragma omp critical
        if (w > worst) { worst = w; worst_bits = wb; }
    }
    float xw;
    memcpy(&xw, &worst_bits, 4);
    printf("%-8s f32 exhaustive  max %.3f ULP at x = %.9g (got %.9g, ref %.12g)\n", fn->name,
           worst, xw, fn->f(xw), fn->ref(xw));
}

static void sample_f64(const fn_t *fn, int64_t n)
{
    double worst = 0, worst_x = 0;
#pragma omp parallel
    {
        double w = 0, wx = 0;
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            uint64_t s = (uint64_t)i * 7919u + 12345u;
            uint64_t r = splitmix(&s);
            double x;
            if (i & 1) {
                memcpy(&x, &r, 8);
            } else {
                x = ((double)(r >> 11) * 0x1p-53 * 2.0 - 1.0) * fn->range;
            }
            double e = ulp_err64(fn->f64(x), fn->ref64((long double)x));
            if (e > w) { w = e; wx = x; }
        }
#pragma omp critical
        if (w > worst) { worst = w; worst_x = wx; }
    }
    printf("%-8s f64 %lld random max %.3f ULP at x = %.17g (got %.17g, ref %.20Lg)\n", fn->name,
           (long long)n, worst, worst_x, fn->f64(worst_x), fn->ref64(worst_x));
}

int main(int argc, char **argv)
{
    fn_t fns[] = {
        {"exp", w_exp, exp, w64_exp, expl, 750},
        {"expneg", w_expneg, ref_expneg, w64_expneg, ref_expnegl, 750},
        {"sigmoid", w_sigmoid, ref_sigmoid, w64_sigmoid, ref_sigmoidl, 750},
        {"expm1", w_expm1, expm1, w64_expm1, expm1l, 50},
        {"log1p", w_log1p, log1p, w64_log1p, log1pl, 2},
        {"tanh", w_tanh, tanh, w64_tanh, tanhl, 5},
        {"erfc", w_erfc, erfc, w64_erfc, erfcl, 28},
    };
    const char *which = argc > 1 ? argv[1] : "all";
    const char *prec = argc > 2 ? argv[2] : "both";
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        if (strcmp(which, "all") && strcmp(which, fns[k].name)) continue;
        if (strcmp(prec, "f64")) sweep_f32(&fns[k]);
        if (strcmp(prec, "f32")) sample_f64(&fns[k], 20000000);
    }
    return 0;
}
