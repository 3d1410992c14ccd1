/* Exhaustive float32 accuracy of fa_math.h against double-precision libm.
 * ULP = |got - round_f32(ref)| in units of the float32 spacing at round_f32(ref); where the true
 * result is below FLT_MIN the error is |got - ref| / FLT_MIN (must be <= 1).
 * Build/run: see run.sh. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fa_math.h"

static double ref_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }

typedef struct { const char *name; float (*f)(float); double (*ref)(double); } fn_t;

#define WRAP(name, expr) static float w_##name(float x) { return expr; }
WRAP(exp, fa_exp_f32(x))
WRAP(sigmoid, fa_sigmoid_f32(x))

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

int main(int argc, char **argv)
{
    fn_t fns[] = {{"exp", w_exp, exp}, {"sigmoid", w_sigmoid, ref_sigmoid}};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        if (argc > 1 && strcmp(argv[1], fns[k].name)) continue;
        double worst = 0; uint32_t worst_bits = 0;
#pragma omp parallel
        {
            double w = 0; uint32_t wb = 0;
#pragma omp for schedule(static)
            for (int64_t i = 0; i <= 0xffffffffLL; i++) {
                uint32_t u = (uint32_t)i; float x; memcpy(&x, &u, 4);
                double e = ulp_err(fns[k].f(x), fns[k].ref((double)x));
                if (e > w) { w = e; wb = u; }
            }
#pragma omp critical
            if (w > worst) { worst = w; worst_bits = wb; }
        }
        float xw; memcpy(&xw, &worst_bits, 4);
        printf("%-10s max %.3f ULP at x = %.9g (got %.9g, ref %.12g)\n", fns[k].name, worst, xw,
               fns[k].f(xw), fns[k].ref(xw));
    }
    return 0;
}
