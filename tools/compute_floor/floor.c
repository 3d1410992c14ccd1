/* Textbook float32 kernels with no accuracy handling, as a floor for the exp-based activations:
 * e^-|x| by one Cody-Waite reduction, a degree-6 polynomial and an exponent add (no range,
 * subnormal, NaN or inf handling), and sigmoid = 1/(1+e) or e/(1+e) from it. Built twice by
 * floor.py, with -ffp-contract=off (fastact's rule) and =fast (FMA where the level has it), to
 * show what any exact kernel under the same rules must at least cost. Each call runs n elements
 * split statically over `threads` OpenMP threads, as fastact's kernels do. */
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float bare_expneg(float x)
{
    float u = -fabsf(x);
    float k = u * 1.44269504f + 12582912.0f; /* round(u / ln 2) in the low mantissa bits */
    int32_t ki;
    memcpy(&ki, &k, 4);
    k -= 12582912.0f;
    float r = (u - k * 0.693359375f) - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t pi;
    memcpy(&pi, &p, 4);
    pi += ki << 23;
    memcpy(&p, &pi, 4);
    return p;
}

static void expneg_part(const float *x, float *y, long n)
{
    for (long i = 0; i < n; i++)
        y[i] = bare_expneg(x[i]);
}

static void sigmoid_part(const float *x, float *y, long n)
{
    for (long i = 0; i < n; i++) {
        float e = bare_expneg(x[i]);
        float s = 1.0f / (1.0f + e);
        y[i] = x[i] >= 0 ? s : e * s;
    }
}

static void run(void (*part)(const float *, float *, long), const float *x, float *y, long n,
                int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; t++) {
        long lo = n * t / threads, hi = n * (t + 1) / threads;
        part(x + lo, y + lo, hi - lo);
    }
}

void floor_expneg(const float *x, float *y, long n, int threads) { run(expneg_part, x, y, n, threads); }
void floor_sigmoid(const float *x, float *y, long n, int threads) { run(sigmoid_part, x, y, n, threads); }
