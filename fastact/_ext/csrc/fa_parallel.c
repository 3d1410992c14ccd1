/* The one place where elementwise kernels meet OpenMP. Slices are contiguous and aligned to
 * 64 elements so no two threads share a cache line of the output. Elementwise results do not
 * depend on the slicing, so they are bit-identical for any thread count. */
#include "fa_kernels.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int fa_omp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int fa_threads_for(ptrdiff_t n, int nthreads, ptrdiff_t grain)
{
    if (grain < 1)
        grain = 1;
    ptrdiff_t useful = n / grain;
    if (nthreads > useful)
        nthreads = (int)useful;
    return nthreads < 1 ? 1 : nthreads;
}

static inline void fa_slice(ptrdiff_t n, int nt, int t, ptrdiff_t *start, ptrdiff_t *len)
{
    ptrdiff_t per = (n + nt - 1) / nt;
    per = (per + 63) & ~(ptrdiff_t)63;
    ptrdiff_t s = per * t;
    ptrdiff_t e = s + per;
    if (s > n)
        s = n;
    if (e > n)
        e = n;
    *start = s;
    *len = e - s;
}

/* A kernel on the elements before the output's first cache-line boundary (fa_line_head), then
 * on the rest: sigmoid at 1e6 with both arrays 16 bytes off a line, as numpy's large arrays are,
 * 490 -> 450 us (relu, memory-bound, unchanged). */
static void unary_aligned(fa_unary_fn fn, const char *x, char *y, ptrdiff_t n,
                          ptrdiff_t itemsize, const double *p)
{
    ptrdiff_t h = fa_line_head(y, n, itemsize);
    if (h > 0)
        fn(x, y, h, p);
    if (n > h)
        fn(x + h * itemsize, y + h * itemsize, n - h, p);
}

static void binary_aligned(fa_binary_fn fn, const char *a, const char *b, char *y, ptrdiff_t n,
                           ptrdiff_t itemsize, const double *p)
{
    ptrdiff_t h = fa_line_head(y, n, itemsize);
    if (h > 0)
        fn(a, b, y, h, p);
    if (n > h)
        fn(a + h * itemsize, b + h * itemsize, y + h * itemsize, n - h, p);
}

void fa_run_unary(fa_unary_fn fn, const char *x, char *y, ptrdiff_t n, ptrdiff_t itemsize,
                  const double *p, int nthreads, ptrdiff_t grain)
{
    int nt = fa_threads_for(n, nthreads, grain);
    if (nt <= 1) {
        unary_aligned(fn, x, y, n, itemsize, p);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        ptrdiff_t s, len;
        fa_slice(n, nt, t, &s, &len);
        if (len > 0)
            unary_aligned(fn, x + s * itemsize, y + s * itemsize, len, itemsize, p);
    }
}

void fa_run_binary(fa_binary_fn fn, const char *a, const char *b, char *y, ptrdiff_t n,
                   ptrdiff_t itemsize, const double *p, int nthreads, ptrdiff_t grain)
{
    int nt = fa_threads_for(n, nthreads, grain);
    if (nt <= 1) {
        binary_aligned(fn, a, b, y, n, itemsize, p);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        ptrdiff_t s, len;
        fa_slice(n, nt, t, &s, &len);
        if (len > 0)
            binary_aligned(fn, a + s * itemsize, b + s * itemsize, y + s * itemsize, len,
                           itemsize, p);
    }
}
