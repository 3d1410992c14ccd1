/* Softmax cross-entropy (the threaded driver; the row kernel is per ISA, fa_loss_row.c) and the
 * sum of squares behind clip_grad_norm_ (see fa_loss.h). */
#include <math.h>
#include <stdlib.h>

#include "fa_kernels.h"
#include "fa_loss.h"
#include "fa_omp.h"

#define FA_LOSS_GRAIN 32768 /* elements per thread below which a loop stays serial */
int fa_softmax_xent(int dt, const void *x, const int64_t *labels, ptrdiff_t n, ptrdiff_t c,
                    double scale, void *grad, double *loss, int nthreads)
{
    int nt = fa_threads_for(n * c, nthreads, FA_LOSS_GRAIN);
    fa_xent_row_fn row = fa_active.xent_row[dt]; /* the row kernel of the selected ISA level */
    const char *xs = (const char *)x;
    char *gs = (char *)grad;
    ptrdiff_t rb = c * (dt == FA_F32 ? (ptrdiff_t)sizeof(float) : (ptrdiff_t)sizeof(double));
    FA_FOR_ITEMS(nt, i, n, row(xs + i * rb, labels[i], c, scale, gs + i * rb, loss + i);)
    return 0;
}

/* Eight float64 lanes, combined in a fixed order. */
#define FA_SUMSQ_BLOCK_FN(T)                                                               \
    static double fa_sumsq_block_##T(const T *x, ptrdiff_t n)                              \
    {                                                                                      \
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                          \
        ptrdiff_t i = 0;                                                                   \
        for (; i + 8 <= n; i += 8)                                                         \
            for (int k = 0; k < 8; k++)                                                    \
                acc[k] += (double)x[i + k] * (double)x[i + k];                             \
        for (; i < n; i++)                                                                 \
            acc[i & 7] += (double)x[i] * (double)x[i];                                     \
        return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
    }

FA_SUMSQ_BLOCK_FN(float)
FA_SUMSQ_BLOCK_FN(double)

int fa_sum_squares(int dt, const void *x, ptrdiff_t n, double *result, int nthreads)
{
    ptrdiff_t nblocks = (n + FA_SUMSQ_BLOCK - 1) / FA_SUMSQ_BLOCK;
    double *part = (double *)malloc((size_t)(nblocks > 0 ? nblocks : 1) * sizeof(double));
    if (part == NULL)
        return -1;
    int nt = fa_threads_for(n, nthreads, FA_LOSS_GRAIN);
    FA_FOR_ITEMS(nt, b, nblocks, {
        ptrdiff_t start = b * FA_SUMSQ_BLOCK;
        ptrdiff_t len = n - start < FA_SUMSQ_BLOCK ? n - start : FA_SUMSQ_BLOCK;
        part[b] = dt == FA_F32 ? fa_sumsq_block_float((const float *)x + start, len)
                               : fa_sumsq_block_double((const double *)x + start, len);
    })
    double total = 0.0;
    for (ptrdiff_t b = 0; b < nblocks; b++)
        total += part[b];
    free(part);
    *result = total;
    return 0;
}
