/* Entry points for the non-elementwise activations (compiled once): threading and the calls
 * through fa_active.special into the ISA-specific kernels of fa_special.c.
 *
 * Every op is cut into pieces that depend only on the shape (never on the thread count); the
 * pieces run on threads in any order, and partial sums (prelu's weight gradient) are combined
 * afterwards in a fixed order, so results are bit-identical for any thread count. */
#include <math.h>
#include <stdlib.h>

#include "fa_kernels.h"
#include "fa_omp.h"

#define PRELU_PIECE 16384   /* elements per piece of a channel run */
#define PRELU_VEC_INNER 256   /* runs shorter than this: per-element slopes over whole rows, */
#define PRELU_VEC_ROW 65536   /* when a row (C * inner) is at most this long or runs < 64 */
#define PRELU_COLS 4096     /* columns per piece of the per-element path */
#define PRELU_MAXSEG 16     /* row segments (each with its own partial sums) */
#define MAXOUT_PIECE 4096   /* input elements per piece of maxout */

static inline ptrdiff_t pmin(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static inline ptrdiff_t cdiv(ptrdiff_t a, ptrdiff_t b) { return (a + b - 1) / b; }

/* Threads for n elements cut into `items` pieces. */
static int threads_for(ptrdiff_t n, ptrdiff_t items, int nthreads, ptrdiff_t grain)
{
    int nt = fa_threads_for(n, nthreads, grain);
    return items < nt ? (int)(items < 1 ? 1 : items) : nt;
}

static inline ptrdiff_t isize(int dt) { return dt == FA_F32 ? 4 : 8; }

/* Slice t of nt over n elements: contiguous, starts multiples of 64 (so of 4: whole Philox
 * blocks), as in fa_parallel.c. */
static inline void slice(ptrdiff_t n, int nt, int t, ptrdiff_t *start, ptrdiff_t *len)
{
    ptrdiff_t per = (cdiv(n, nt) + 63) & ~(ptrdiff_t)63;
    ptrdiff_t s = pmin(per * t, n), e = pmin(s + per, n);
    *start = s;
    *len = e - s;
}

/* BODY for each non-empty slice [s, s + len) of n elements, one slice per thread. */
#define FA_FOR_SLICES(n, nthreads, grain, s, len, ...)                                        \
    do {                                                                                      \
        int nt = fa_threads_for(n, nthreads, grain);                                          \
        FA_FOR_ITEMS(nt, t_, nt, ptrdiff_t s, len; slice(n, nt, (int)t_, &s, &len);           \
                     if (len > 0) { __VA_ARGS__ })                                            \
    } while (0)

/* ---------------------------------------------------------------- prelu */
/* gw[c] = the sum over segments s < nseg, then parts k < m, of acc[s * stride + c * m + k]:
 * partial sums combined in an order fixed by the shape. */
static void reduce_parts(const double *acc, ptrdiff_t nseg, ptrdiff_t stride, ptrdiff_t C,
                         ptrdiff_t m, double *gw)
{
    if (m == 1) { /* the same sums in the same order, a vectorizable loop per segment */
        for (ptrdiff_t c = 0; c < C; c++)
            gw[c] = 0.0;
        for (ptrdiff_t s = 0; s < nseg; s++)
            for (ptrdiff_t c = 0; c < C; c++)
                gw[c] += acc[s * stride + c];
        return;
    }
    for (ptrdiff_t c = 0; c < C; c++) {
        double sum = 0.0;
        for (ptrdiff_t s = 0; s < nseg; s++)
            for (ptrdiff_t k = 0; k < m; k++)
                sum += acc[s * stride + c * m + k];
        gw[c] = sum;
    }
}

/* Each lane block of FA_SPECIAL_LANES partials summed pairwise into its first entry. */
static void fold_lanes(double *acc, ptrdiff_t nblocks)
{
    for (ptrdiff_t b = 0; b < nblocks; b++) {
        double *l = acc + b * FA_SPECIAL_LANES;
        for (int w = FA_SPECIAL_LANES / 2; w >= 1; w /= 2)
            for (int k = 0; k < w; k++)
                l[k] += l[k + w];
    }
}

/* Runs of `inner` elements sharing a slope. An item is (row segment s, block of consecutive
 * channels, piece k of the runs); it visits its rows in memory order, adding each run into the
 * lanes of partial (s, c, k), which are folded once at the end. */
static int prelu_runs(int dt, int mode, const char *g, const char *x, char *y, ptrdiff_t outer,
                      ptrdiff_t C, ptrdiff_t inner, const double *w, double *gw, int nthreads,
                      ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt), nseg = pmin(outer, PRELU_MAXSEG), npc = cdiv(inner, PRELU_PIECE);
    ptrdiff_t cpb = PRELU_PIECE / inner, ncb;
    cpb = cpb < 1 ? 1 : cpb;
    ncb = cdiv(C, cpb);
    ptrdiff_t items = nseg * ncb * npc;
    int bwd = mode == FA_PRELU_BACKWARD;
    double *acc = bwd ? calloc((size_t)(nseg * C * npc * FA_SPECIAL_LANES), sizeof(double))
                      : NULL;
    if (bwd && !acc)
        return -1;
    fa_prelu_run_fn f = fa_active.special.prelu_run[dt];
    int nt = threads_for(outer * C * inner, items, nthreads, grain);
    FA_FOR_ITEMS(nt, it, items,
        ptrdiff_t s = it / (ncb * npc), cb = (it / npc) % ncb, k = it % npc;
        ptrdiff_t o0 = outer * s / nseg, o1 = outer * (s + 1) / nseg;
        ptrdiff_t c0 = cb * cpb, c1 = pmin(C, c0 + cpb);
        ptrdiff_t i0 = k * PRELU_PIECE, len = pmin(PRELU_PIECE, inner - i0);
        for (ptrdiff_t o = o0; o < o1; o++)
            for (ptrdiff_t c = c0; c < c1; c++) {
                ptrdiff_t off = ((o * C + c) * inner + i0) * isz;
                f(mode, g ? g + off : NULL, x + off, y + off, len, w[c],
                  bwd ? acc + ((s * C + c) * npc + k) * FA_SPECIAL_LANES : NULL);
            }
    )
    if (bwd) {
        fold_lanes(acc, nseg * C * npc);
        /* the folded sums sit at every FA_SPECIAL_LANES-th entry */
        for (ptrdiff_t i = 1; i < nseg * C * npc; i++)
            acc[i] = acc[i * FA_SPECIAL_LANES];
        reduce_parts(acc, nseg, C * npc, C, npc, gw);
    }
    free(acc);
    return 0;
}

static int prelu_rows(int dt, int mode, const char *g, const char *x, char *y, ptrdiff_t outer,
                      ptrdiff_t C, ptrdiff_t inner, const double *w, double *gw, int nthreads,
                      ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt), R = C * inner;
    ptrdiff_t nseg = pmin(PRELU_MAXSEG, cdiv(outer, 64)), ncb = cdiv(R, PRELU_COLS);
    ptrdiff_t items = nseg * ncb;
    int bwd = mode == FA_PRELU_BACKWARD;
    char *wexp = malloc((size_t)(R * isz));
    double *acc = bwd ? calloc((size_t)(nseg * R), sizeof(double)) : NULL;
    if (!wexp || (bwd && !acc)) {
        free(wexp);
        free(acc);
        return -1;
    }
    if (dt == FA_F32)
        for (ptrdiff_t c = 0; c < C; c++)
            for (ptrdiff_t i = 0; i < inner; i++)
                ((float *)wexp)[c * inner + i] = (float)w[c];
    else
        for (ptrdiff_t c = 0; c < C; c++)
            for (ptrdiff_t i = 0; i < inner; i++)
                ((double *)wexp)[c * inner + i] = w[c];
    fa_prelu_vec_fn f = fa_active.special.prelu_vec[dt];
    int nt = threads_for(outer * R, items, nthreads, grain);
    FA_FOR_ITEMS(nt, it, items,
        ptrdiff_t s = it / ncb, j0 = (it % ncb) * PRELU_COLS, len = pmin(PRELU_COLS, R - j0);
        ptrdiff_t o0 = outer * s / nseg, o1 = outer * (s + 1) / nseg;
        ptrdiff_t off = (o0 * R + j0) * isz;
        f(mode, g ? g + off : NULL, x + off, y + off, len, o1 - o0, R, wexp + j0 * isz,
          bwd ? acc + s * R + j0 : NULL);
    )
    if (bwd)
        reduce_parts(acc, nseg, R, C, inner, gw);
    free(wexp);
    free(acc);
    return 0;
}

int fa_prelu(int dt, int mode, const void *g, const void *x, void *y, ptrdiff_t outer,
             ptrdiff_t C, ptrdiff_t inner, const double *w, double *gw, int nthreads,
             ptrdiff_t grain)
{
    if (mode == FA_PRELU_BACKWARD)
        for (ptrdiff_t c = 0; c < C; c++)
            gw[c] = 0.0;
    if (outer * C * inner == 0)
        return 0;
    if (C == 1 || inner >= PRELU_VEC_INNER || (inner >= 64 && C * inner > PRELU_VEC_ROW))
        return prelu_runs(dt, mode, (const char *)g, (const char *)x, (char *)y, outer, C,
                          inner, w, gw, nthreads, grain);
    return prelu_rows(dt, mode, (const char *)g, (const char *)x, (char *)y, outer, C, inner, w,
                      gw, nthreads, grain);
}

/* ---------------------------------------------------------------- elementwise with an index */
void fa_rrelu_train(int dt, const void *x, void *y, void *noise, ptrdiff_t n, uint64_t seed,
                    double lower, double upper, int nthreads, ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt);
    fa_rrelu_fn f = fa_active.special.rrelu[dt];
    FA_FOR_SLICES(n, nthreads, grain, s, len,
        f((const char *)x + s * isz, (char *)y + s * isz, (char *)noise + s * isz, len,
          (uint64_t)s, seed, lower, upper);
    );
}

void fa_dropout_train(int dt, const void *x, void *y, unsigned char *mask, ptrdiff_t n,
                      uint64_t seed, double p, int nthreads, ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt);
    /* keep when the 32-bit word u satisfies u / 2^32 >= p, i.e. u >= ceil(p 2^32) */
    uint64_t threshold = (uint64_t)ceil(p * 4294967296.0);
    double scale = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;
    fa_dropout_fn f = fa_active.special.dropout[dt];
    FA_FOR_SLICES(n, nthreads, grain, s, len,
        f((const char *)x + s * isz, (char *)y + s * isz, mask + s, len, (uint64_t)s, seed,
          threshold, scale);
    );
}

void fa_dropout_backward(int dt, const void *g, const unsigned char *mask, void *y,
                         ptrdiff_t n, double scale, int nthreads, ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt);
    fa_dropout_bwd_fn f = fa_active.special.dropout_bwd[dt];
    FA_FOR_SLICES(n, nthreads, grain, s, len,
        f((const char *)g + s * isz, mask + s, (char *)y + s * isz, len, scale);
    );
}

void fa_mul(int dt, const void *a, const void *b, void *y, ptrdiff_t n, int nthreads,
            ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt);
    fa_mul_fn f = fa_active.special.mul[dt];
    FA_FOR_SLICES(n, nthreads, grain, s, len,
        f((const char *)a + s * isz, (const char *)b + s * isz, (char *)y + s * isz, len);
    );
}

/* ---------------------------------------------------------------- softmax, maxout */
void fa_softmax(int dt, int mode, const void *a, const void *b, void *y, ptrdiff_t outer,
                ptrdiff_t K, ptrdiff_t inner, int nthreads, ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt), n = outer * K * inner;
    const char *ac = (const char *)a, *bc = (const char *)b;
    char *yc = (char *)y;
    if (n == 0)
        return;
    if (inner == 1) {
        fa_softmax_row_fn f = fa_active.special.softmax_row[dt];
        int nt = threads_for(n, outer, nthreads, grain);
        FA_FOR_ITEMS(nt, r, outer,
            ptrdiff_t off = r * K * isz;
            f(mode, ac + off, bc ? bc + off : NULL, yc + off, K);
        )
        return;
    }
    fa_softmax_cols_fn f = fa_active.special.softmax_cols[dt];
    ptrdiff_t ncb = cdiv(inner, FA_SOFTMAX_COLS), items = outer * ncb;
    int nt = threads_for(n, items, nthreads, grain);
    FA_FOR_ITEMS(nt, it, items,
        ptrdiff_t o = it / ncb, j0 = (it % ncb) * FA_SOFTMAX_COLS;
        ptrdiff_t off = (o * K * inner + j0) * isz;
        f(mode, ac + off, bc ? bc + off : NULL, yc + off, K, pmin(FA_SOFTMAX_COLS, inner - j0),
          inner);
    )
}

void fa_maxout(int dt, int backward, const void *g, const void *x, void *y, ptrdiff_t outer,
               ptrdiff_t G, ptrdiff_t pieces, ptrdiff_t inner, int nthreads, ptrdiff_t grain)
{
    ptrdiff_t isz = isize(dt), ngroups = outer * G, n = ngroups * pieces * inner;
    if (n == 0)
        return;
    ptrdiff_t per = MAXOUT_PIECE / (pieces * inner);
    per = per < 1 ? 1 : per;
    ptrdiff_t items = cdiv(ngroups, per);
    fa_maxout_fn f = fa_active.special.maxout[dt];
    int nt = threads_for(n, items, nthreads, grain);
    FA_FOR_ITEMS(nt, it, items,
        ptrdiff_t j0 = it * per, nj = pmin(per, ngroups - j0);
        ptrdiff_t xoff = j0 * pieces * inner * isz, goff = j0 * inner * isz;
        f(backward, g ? (const char *)g + goff : NULL, (const char *)x + xoff,
          (char *)y + (backward ? xoff : goff), nj, pieces, inner);
    )
}
