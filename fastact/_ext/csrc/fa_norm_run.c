/* Normalization entry points (compiled once): the work plan, the threads, and the calls through
 * fa_active.norm into the ISA-specific loops of fa_norm.c. Conventions: fa_norm.h.
 *
 * Plan. A channel's outer * inner elements are cut into leaves and segments that depend only on
 * the shape, never on the thread count:
 * - run mode (inner >= FA_NORM_RUN_MIN): each run x[o, c, :] is cut into ceil(inner / 4096)
 *   equal leaves; the channel's leaves, in (o, leaf) order, are grouped into nseg segments of
 *   lps consecutive leaves. Work items are (segment, block of channels) pairs, each walked in
 *   memory order (run_block); every (channel, segment) result has its own slot.
 * - column mode (inner < FA_NORM_RUN_MIN, e.g. 2-D and channels-last input): the array is
 *   (outer rows) x (W = C * inner columns); rows are grouped into nseg segments of srows rows
 *   (leaves of FA_NORM_LEAF_ROWS rows inside), columns into blocks of FA_NORM_COL_BLOCK. Work
 *   items are (segment, column block) pairs; the `inner` columns of a channel are merged last.
 * Inside a segment leaves are merged in order; segments (and a channel's columns) in a fixed
 * pairwise tree. Statistics therefore never depend on the thread count or the ISA level.
 *
 * Passes. Training forward: statistics (reads x), then y = act(v) (reads x, writes y). Backward:
 * sums (reads dy, x), then dx (reads dy, x, writes dx); in eval mode one pass does both. Every
 * pass walks memory in order (run mode: a segment's runs channel after channel, see run_block),
 * which streams at close to the copy's speed; visiting one channel's runs at a time (stride
 * C * inner) measured 3x slower for NCHW. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fa_kernels.h"
#include "fa_omp.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define FA_NORM_GRAIN 32768    /* elements per thread: serial below twice that */
#define FA_NORM_MAXSEG 32      /* segments per channel (or row segments), at most */
#define FA_NORM_SEG_MIN 16384  /* elements of one channel per segment, at least (run mode) */
#define FA_NORM_SEG_ELEMS 65536 /* elements per row segment, at least (column mode, LayerNorm) */
#define FA_NORM_RUN_MIN 32     /* inner >= this: run mode */
#define FA_NORM_RUN_LEAF 4096  /* elements per leaf in run mode, at most */
#define FA_NORM_PART_CAP (1 << 22) /* doubles of per-segment column partials, at most */
#define FA_NORM_COL_BLOCK 1024 /* columns per work item in column mode */
#define FA_NORM_STACK_WORK 2048 /* doubles of column-mode workspace kept on the stack */
#define FA_NORM_FLAT_BYTES 2048 /* column mode, short rows: bytes per virtual row, at least */

typedef struct {
    int dt;
    ptrdiff_t isz;
    ptrdiff_t outer, C, inner;
    ptrdiff_t nc;   /* elements per channel: outer * inner */
    int cols;       /* column mode */
    ptrdiff_t W;    /* C * inner */
    ptrdiff_t nseg; /* segments per channel (run) or row segments (cols) */
    ptrdiff_t lpr, llen, nleaf, lps; /* run mode: leaves per run, leaf length, per channel, per seg */
    ptrdiff_t srows, ncb;            /* column mode: rows per segment, column blocks */
    ptrdiff_t flat; /* column mode, rows under FA_NORM_SPLIT_MIN bytes: the elementwise passes'
                     * virtual row, a multiple of W (pass_range), else 0 */
    ptrdiff_t pld; /* column mode: row stride of the expanded parameters (whole cache lines) */
    ptrdiff_t wp;  /* column mode: stride of the per-column partial arrays (doubles): whole cache
                    * lines plus one, so the two arrays of a segment never share the low 12
                    * address bits (4K aliasing) */
} fa_plan;

static ptrdiff_t partial_stride(ptrdiff_t W) { return (W + 7) / 8 * 8 + 8; }

static ptrdiff_t cdiv(ptrdiff_t a, ptrdiff_t b) { return (a + b - 1) / b; }
static ptrdiff_t pmin(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static ptrdiff_t pclamp(ptrdiff_t v, ptrdiff_t lo, ptrdiff_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Workspace aligned to a cache line: the column kernels load per-column parameters and
 * partial sums with full-width vector loads, and a misaligned workspace (malloc's 16 bytes)
 * made every such load a cache-line split (column apply 1.1 -> 0.85 ms at (4096, 1024)). */
static void *amalloc(size_t n)
{
    char *raw = malloc(n + 64 + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t a = ((uintptr_t)(raw + sizeof(void *)) + 63) & ~(uintptr_t)63;
    ((void **)a)[-1] = raw;
    return (void *)a;
}

static void afree(void *a)
{
    if (a)
        free(((void **)a)[-1]);
}

/* Doubles to shift a cache-line aligned per-column double array so that the column where the
 * column kernels split rows of ncols items of isz bytes (fa_col_head) starts a cache line. */
static ptrdiff_t col_shift(const void *x, ptrdiff_t ncols, ptrdiff_t isz)
{
    ptrdiff_t h = fa_col_head(x, ncols, isz);
    return (8 - h % 8) % 8;
}

static void plan_make(fa_plan *p, int dt, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                      int force_run)
{
    memset(p, 0, sizeof *p);
    p->dt = dt;
    p->isz = dt == FA_F32 ? 4 : 8;
    p->outer = outer;
    p->C = C;
    p->inner = inner;
    p->nc = outer * inner;
    p->W = C * inner;
    p->wp = partial_stride(p->W);
    p->cols = !force_run && inner < FA_NORM_RUN_MIN;
    ptrdiff_t wbytes = p->W * p->isz;
    if (p->cols && wbytes > 0 && wbytes < FA_NORM_SPLIT_MIN)
        p->flat = p->W * cdiv(FA_NORM_FLAT_BYTES, wbytes);
    p->pld = (p->W + p->flat + 15) / 16 * 16;
    if (p->nc == 0 || C == 0)
        return;
    if (p->cols) {
        ptrdiff_t target = pclamp(outer * p->W / FA_NORM_SEG_ELEMS, 1, FA_NORM_MAXSEG);
        ptrdiff_t cap = FA_NORM_PART_CAP / (2 * p->W);
        target = pclamp(target, 1, cap < 1 ? 1 : cap);
        p->srows = cdiv(cdiv(outer, target), FA_NORM_LEAF_ROWS) * FA_NORM_LEAF_ROWS;
        p->nseg = cdiv(outer, p->srows);
        p->ncb = cdiv(p->W, FA_NORM_COL_BLOCK);
    } else {
        ptrdiff_t target = pclamp(p->nc / FA_NORM_SEG_MIN, 1, FA_NORM_MAXSEG);
        p->lpr = cdiv(inner, FA_NORM_RUN_LEAF);
        p->llen = cdiv(inner, p->lpr);
        p->nleaf = outer * p->lpr;
        p->lps = cdiv(p->nleaf, target);
        p->nseg = cdiv(p->nleaf, p->lps);
    }
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Threads for `total` elements of work split in `items` pieces. */
static int threads_for(ptrdiff_t total, ptrdiff_t items, int nthreads)
{
    int nt = fa_threads_for(total, nthreads, FA_NORM_GRAIN);
    if (nt > items)
        nt = (int)items;
    return nt < 1 ? 1 : nt;
}

/* ---------------------------------------------------------------- parameters */
static double round_t(int dt, double v) { return dt == FA_F32 ? (double)(float)v : v; }

static void put_t(int dt, void *arr, ptrdiff_t i, double v)
{
    if (dt == FA_F32)
        ((float *)arr)[i] = (float)v;
    else
        ((double *)arr)[i] = v;
}

/* The affine part of a channel's parameter block, values rounded to T; the shift slot holds
 * c = shift - ml * s, the low part of the center folded in (see fa_norm.h). */
static void chan_params(int dt, double center, double scale, double shift, double *p)
{
    p[FA_NP_MH] = round_t(dt, center);
    p[FA_NP_ML] = round_t(dt, center - p[FA_NP_MH]);
    p[FA_NP_S] = round_t(dt, scale);
    p[FA_NP_B] = p[FA_NP_ML] == 0.0 ? round_t(dt, shift)
                                  : round_t(dt, shift - p[FA_NP_ML] * p[FA_NP_S]);
    p[FA_NP_K] = p[FA_NP_Q] = p[FA_NP_R] = 0.0;
}

/* Column-mode parameters: T arrays [FA_NP_COUNT][pld], column j belonging to channel
 * (j mod W) / inner (periodic past W, for the virtual rows of pass_range),
 * the low part of the center folded into r (r - ml * q: col_bwd_apply computes
 * dx = dv * k + (x - mh) * q + r without ml),
 * placed at the same offset in a cache line as `like` (the array the kernels align their
 * main loops on), so parameters and data are aligned together. Only the arrays in `need` (bits
 * 1 << FA_NP_*) are filled: filling all seven element by element took half of a (16, 1024) eval
 * forward's 12 us C call. Free with free_params. */
#define FA_NEED(k) (1u << (k))
#define FA_NEED_APPLY (FA_NEED(FA_NP_MH) | FA_NEED(FA_NP_S) | FA_NEED(FA_NP_B))
#define FA_NEED_BWD_SUMS (FA_NEED_APPLY | FA_NEED(FA_NP_K))
#define FA_NEED_BWD_APPLY (FA_NEED_BWD_SUMS | FA_NEED(FA_NP_Q) | FA_NEED(FA_NP_R))
static void *expand_params(const fa_plan *p, const double *prm, const void *like, unsigned need)
{
    ptrdiff_t ld = p->pld, inner = p->inner, W = p->W, isz = p->isz;
    size_t off = (size_t)((uintptr_t)like & 63);
    char *raw = amalloc((size_t)(FA_NP_COUNT * ld * isz) + 64);
    if (!raw)
        return NULL;
    char *out = raw + off;
    for (int k = 0; k < FA_NP_COUNT; k++) {
        if (!(need & FA_NEED(k)))
            continue;
        char *row = out + k * ld * isz;
        if (inner == 1 && k != FA_NP_R && p->dt == FA_F32) {
            /* 2-D and channels-last float: one strided, vectorizable conversion */
            float *o = (float *)row;
            for (ptrdiff_t c = 0; c < p->C; c++)
                o[c] = (float)prm[c * FA_NP_COUNT + k];
        } else {
            for (ptrdiff_t c = 0; c < p->C; c++) {
                const double *pc = prm + c * FA_NP_COUNT;
                double v = pc[k];
                if (k == FA_NP_R && pc[FA_NP_ML] != 0.0)
                    v = round_t(p->dt, v - pc[FA_NP_ML] * pc[FA_NP_Q]);
                if (p->dt == FA_F32) {
                    float *o = (float *)row + c * inner, f = (float)v;
                    for (ptrdiff_t t = 0; t < inner; t++)
                        o[t] = f;
                } else {
                    double *o = (double *)row + c * inner;
                    for (ptrdiff_t t = 0; t < inner; t++)
                        o[t] = v;
                }
            }
        }
        for (ptrdiff_t j = W; j < ld; j += W)
            memcpy(row + j * isz, row, (size_t)(pmin(W, ld - j) * isz));
    }
    return out;
}

static void free_params(void *cols, const void *like)
{
    if (cols)
        afree((char *)cols - ((uintptr_t)like & 63));
}

/* ---------------------------------------------------------------- merge trees */
/* v holds n triples (count, mean, m2) at stride `stride`; the result lands in v[0..2]. */
static void tree_stats(double *v, ptrdiff_t n, ptrdiff_t stride)
{
    for (ptrdiff_t step = 1; step < n; step *= 2)
        for (ptrdiff_t i = 0; i + step < n; i += 2 * step) {
            double *a = v + i * stride, *b = v + (i + step) * stride;
            fa_chan_merge(a[0], &a[1], &a[2], b[0], b[1], b[2]);
            a[0] += b[0];
        }
}

/* v holds n pairs of sums at stride `stride`; the result lands in v[0..1]. */
static void tree_sums(double *v, ptrdiff_t n, ptrdiff_t stride)
{
    for (ptrdiff_t step = 1; step < n; step *= 2)
        for (ptrdiff_t i = 0; i + step < n; i += 2 * step) {
            v[i * stride] += v[(i + step) * stride];
            v[i * stride + 1] += v[(i + step) * stride + 1];
        }
}

/* Column partials: segment s holds arrays a[s * 2wp + j] and a[s * 2wp + wp + j]; merge the
 * segments per column (statistics with per-segment row counts, or plain sums). */
static void tree_cols(const fa_plan *p, double *parts, int stats)
{
    ptrdiff_t W = p->W, n = p->nseg, wp = p->wp;
    for (ptrdiff_t step = 1; step < n; step *= 2)
        for (ptrdiff_t i = 0; i + step < n; i += 2 * step) {
            double *a1 = parts + i * 2 * wp, *a2 = a1 + wp;
            double *b1 = parts + (i + step) * 2 * wp, *b2 = b1 + wp;
            if (stats) {
                double na = (double)pmin(step * p->srows, p->outer - i * p->srows);
                double nb = (double)pmin(step * p->srows, p->outer - (i + step) * p->srows);
                for (ptrdiff_t j = 0; j < W; j++)
                    fa_chan_merge(na, &a1[j], &a2[j], nb, b1[j], b2[j]);
            } else {
                for (ptrdiff_t j = 0; j < W; j++) {
                    a1[j] += b1[j];
                    a2[j] += b2[j];
                }
            }
        }
}

/* Channel c's result from merged column partials (first segment): its `inner` columns merged
 * in a pairwise tree. out: (count, mean, m2) or (A, B). */
static void fold_channel(const fa_plan *p, const double *parts, ptrdiff_t c, int stats,
                         double *out, double *scratch)
{
    ptrdiff_t W = p->wp, inner = p->inner;
    if (inner == 1) {
        /* one column, nothing to merge: copied directly (through scratch, a store-to-load
         * forwarding stall per channel took a quarter of a 1e3-element RunningStats call) */
        if (stats)
            *out++ = (double)p->outer;
        out[0] = parts[c];
        out[1] = parts[W + c];
        return;
    }
    if (stats) {
        for (ptrdiff_t t = 0; t < inner; t++) {
            scratch[3 * t] = (double)p->outer;
            scratch[3 * t + 1] = parts[c * inner + t];
            scratch[3 * t + 2] = parts[W + c * inner + t];
        }
        tree_stats(scratch, inner, 3);
        out[0] = scratch[0];
        out[1] = scratch[1];
        out[2] = scratch[2];
    } else {
        for (ptrdiff_t t = 0; t < inner; t++) {
            scratch[2 * t] = parts[c * inner + t];
            scratch[2 * t + 1] = parts[W + c * inner + t];
        }
        tree_sums(scratch, inner, 2);
        out[0] = scratch[0];
        out[1] = scratch[1];
    }
}

/* ---------------------------------------------------------------- run-mode segments */
static const char *leaf_at(const fa_plan *p, const char *x, ptrdiff_t c, ptrdiff_t l,
                           ptrdiff_t *len)
{
    ptrdiff_t o = l / p->lpr, k = l % p->lpr, st = k * p->llen;
    *len = pmin(p->llen, p->inner - st);
    return x + ((o * p->C + c) * p->inner + st) * p->isz;
}

/* (count, mean, m2) of segment s of channel c */
static void run_seg_stats(const fa_plan *p, const char *x, ptrdiff_t c, ptrdiff_t s, double *out)
{
    fa_norm_run_stats_fn f = fa_active.norm.run_stats[p->dt];
    ptrdiff_t l1 = pmin((s + 1) * p->lps, p->nleaf);
    double na = 0.0, ma = 0.0, m2a = 0.0, res[2];
    for (ptrdiff_t l = s * p->lps; l < l1; l++) {
        ptrdiff_t len;
        const char *xl = leaf_at(p, x, c, l, &len);
        f(xl, len, res);
        if (na == 0.0) {
            ma = res[0];
            m2a = res[1];
        } else {
            fa_chan_merge(na, &ma, &m2a, (double)len, res[0], res[1]);
        }
        na += (double)len;
    }
    out[0] = na;
    out[1] = ma;
    out[2] = m2a;
}

/* Run-mode work item (segment s, channels [c0, c1)) traversed in memory order: for each run
 * x[o, c, :] the segment touches, channel by channel, its leaves in order. Every channel still
 * merges its leaves in its own (o, leaf) order, so the results are those of run_seg_stats and
 * run_seg_sums, while the reads stream through memory instead of jumping C * inner elements
 * from one leaf of a channel to the next. Results land in parts at (c * nseg + s) * width. */
static void run_block(const fa_plan *p, int sums, const char *dy, const char *x, char *dx,
                      ptrdiff_t s, ptrdiff_t c0, ptrdiff_t c1, const double *prm, const double *act, double *parts)
{
    fa_norm_run_stats_fn fs = fa_active.norm.run_stats[p->dt];
    fa_norm_run_bwd_sums_fn fb = fa_active.norm.run_bwd_sums[p->dt];
    ptrdiff_t width = sums ? 2 : 3, l = s * p->lps, l1 = pmin((s + 1) * p->lps, p->nleaf);
    for (ptrdiff_t c = c0; c < c1; c++) {
        double *a = parts + (c * p->nseg + s) * width;
        a[0] = a[1] = 0.0;
        if (!sums)
            a[2] = 0.0;
    }
    while (l < l1) {
        ptrdiff_t o = l / p->lpr, k0 = l % p->lpr, k1 = pmin(p->lpr, k0 + (l1 - l));
        for (ptrdiff_t c = c0; c < c1; c++) {
            double *a = parts + (c * p->nseg + s) * width, res[2];
            for (ptrdiff_t k = k0; k < k1; k++) {
                ptrdiff_t st = k * p->llen, len = pmin(p->llen, p->inner - st);
                ptrdiff_t off = ((o * p->C + c) * p->inner + st) * p->isz;
                if (sums) {
                    fb(dy + off, x + off, dx ? dx + off : NULL, len, prm + c * FA_NP_COUNT,
                       act, res);
                    a[0] += res[0];
                    a[1] += res[1];
                } else {
                    fs(x + off, len, res);
                    if (a[0] == 0.0) {
                        a[1] = res[0];
                        a[2] = res[1];
                    } else {
                        fa_chan_merge(a[0], &a[1], &a[2], (double)len, res[0], res[1]);
                    }
                    a[0] += (double)len;
                }
            }
        }
        l += k1 - k0;
    }
}

/* Channel blocks of the run-mode items: none with one thread; else enough for 4 items per
 * thread, and then the fewest more that make the item count a multiple of the threads (NCHW
 * (64, 64, 56, 56) has 11 segments: 11 items left one of two threads 6/5.5 of the work). */
static ptrdiff_t run_channel_blocks(ptrdiff_t C, ptrdiff_t nseg, int nt)
{
    if (nt <= 1)
        return 1;
    ptrdiff_t ncb = pmin(C, cdiv(4 * nt, nseg));
    for (ptrdiff_t k = ncb; k <= pmin(C, 2 * ncb); k++)
        if ((nseg * k) % nt == 0)
            return k;
    return ncb;
}

/* Run-mode items: (segment, channel block), channel blocks only when the segments are too few
 * to keep every thread busy (the grouping never changes a result). */
static void run_all(const fa_plan *p, int sums, const char *dy, const char *x, char *dx,
                    const double *prm, const double *act, double *parts, int nthreads)
{
    ptrdiff_t C = p->C, nseg = p->nseg;
    int nt = threads_for(p->nc * C, C * nseg, nthreads);
    ptrdiff_t ncb = run_channel_blocks(C, nseg, nt);
    FA_FOR_ITEMS(nt, it, nseg * ncb, {
        ptrdiff_t s = it / ncb, b = it % ncb;
        run_block(p, sums, dy, x, dx, s, C * b / ncb, C * (b + 1) / ncb, prm, act, parts);
    })
}

/* ---------------------------------------------------------------- elementwise passes */
enum { PASS_APPLY, PASS_BWD_APPLY, PASS_LN_APPLY };

typedef struct {
    const fa_plan *p;
    int kind;
    const char *x, *dy;
    char *y;
    const double *prm_run; /* run mode: double[C][FA_NP_COUNT] */
    const void *prm_col;   /* column mode: T[FA_NP_COUNT][pld] */
    const double *act;
    const char *w, *b;     /* LayerNorm: T[inner] */
} fa_pass;

/* Run mode: the pass's kernel on len elements from e0, at offset `off` in their run */
static void run_piece(const fa_pass *q, ptrdiff_t e0, ptrdiff_t len, ptrdiff_t off,
                      const double *prm)
{
    ptrdiff_t isz = q->p->isz;
    int dt = q->p->dt;
    if (q->kind == PASS_APPLY)
        fa_active.norm.run_apply[dt](q->x + e0 * isz, q->y + e0 * isz, len, prm, q->act);
    else if (q->kind == PASS_BWD_APPLY)
        fa_active.norm.run_bwd_apply[dt](q->dy + e0 * isz, q->x + e0 * isz, q->y + e0 * isz,
                                         len, prm, q->act);
    else
        fa_active.norm.ln_apply[dt](q->x + e0 * isz, q->y + e0 * isz, len, prm,
                                    q->w + off * isz, q->b + off * isz);
}

static void pass_range(const fa_pass *q, ptrdiff_t e0, ptrdiff_t e1)
{
    const fa_plan *p = q->p;
    ptrdiff_t isz = p->isz;
    int dt = p->dt;
    if (p->cols) {
        /* Rows of W elements; short rows (flat != 0) in virtual rows of `flat` elements from any
         * column j on, the parameters read from column j on (periodic): the kernels' row loops
         * then sweep whole cache lines, not a head and a tail every W elements */
        ptrdiff_t W = p->W, L = p->flat ? p->flat : W;
        while (e0 < e1) {
            ptrdiff_t j = e0 % W, rows = 1, ncols;
            if (p->flat || (j == 0 && e1 - e0 >= W)) {
                rows = (e1 - e0) / L;
                ncols = rows ? L : e1 - e0;
                rows = rows ? rows : 1;
            } else {
                ncols = pmin(W - j, e1 - e0);
            }
            const char *prm = (const char *)q->prm_col + j * isz;
            if (q->kind == PASS_APPLY)
                fa_active.norm.col_apply[dt](q->x + e0 * isz, q->y + e0 * isz, rows, ncols, L,
                                             prm, p->pld, q->act);
            else
                fa_active.norm.col_bwd_apply[dt](q->dy + e0 * isz, q->x + e0 * isz,
                                                 q->y + e0 * isz, rows, ncols, L, prm, p->pld,
                                                 q->act);
            e0 += rows * ncols;
        }
        return;
    }
    ptrdiff_t inner = p->inner;
    while (e0 < e1) {
        ptrdiff_t run = e0 / inner, off = e0 % inner, c = run % p->C;
        ptrdiff_t len = pmin(inner - off, e1 - e0);
        /* the elements before y's first cache-line boundary apart, so the kernel's main loop
         * stores whole lines (numpy's arrays sit 16 bytes off one: NCHW eval forward 7.1 ->
         * 6.1 ms at 1 thread) */
        ptrdiff_t h = fa_line_head(q->y + e0 * isz, len, isz);
        if (h > 0)
            run_piece(q, e0, h, off, q->prm_run + c * FA_NP_COUNT);
        if (len > h)
            run_piece(q, e0 + h, len - h, off + h, q->prm_run + c * FA_NP_COUNT);
        e0 += len;
    }
}

static void pass_run(const fa_pass *q, ptrdiff_t total, int nthreads)
{
    int nt = threads_for(total, total, nthreads);
    ptrdiff_t per = cdiv(cdiv(total, nt), 64) * 64;
    FA_FOR_ITEMS(nt, t, nt, pass_range(q, pmin(per * t, total), pmin(per * (t + 1), total));)
}

/* ---------------------------------------------------------------- statistics */
/* Column mode: work item `it` (segment, column block) of the statistics */
static void col_stats_item(const fa_plan *p, const char *x, double *parts, double *work,
                           ptrdiff_t it)
{
    ptrdiff_t s = it / p->ncb, c0 = (it % p->ncb) * FA_NORM_COL_BLOCK;
    ptrdiff_t r0 = s * p->srows, nr = pmin(p->srows, p->outer - r0);
    ptrdiff_t ncols = pmin(FA_NORM_COL_BLOCK, p->W - c0);
    double *part = parts + s * 2 * p->wp;
    fa_active.norm.col_stats[p->dt](x + (r0 * p->W + c0) * p->isz, nr, ncols, p->W, part + c0,
                                    part + p->wp + c0, work);
}

/* Per-channel (count, mean, m2) into st[3 * C]. */
static int stats_all(const fa_plan *p, const char *x, double *st, int nthreads)
{
    ptrdiff_t C = p->C, nseg = p->nseg;
    if (C == 0)
        return 0;
    if (p->nc == 0) {
        for (ptrdiff_t c = 0; c < C; c++) {
            st[3 * c] = 0.0;
            st[3 * c + 1] = st[3 * c + 2] = NAN;
        }
        return 0;
    }
    if (!p->cols) {
        double *parts = malloc((size_t)(3 * C * nseg) * sizeof(double));
        if (!parts)
            return -1;
        run_all(p, 0, NULL, x, NULL, NULL, NULL, parts, nthreads);
        for (ptrdiff_t c = 0; c < C; c++) {
            tree_stats(parts + 3 * c * nseg, nseg, 3);
            memcpy(st + 3 * c, parts + 3 * c * nseg, 3 * sizeof(double));
        }
        free(parts);
        return 0;
    }
    ptrdiff_t wp = p->wp, items = nseg * p->ncb;
    int nt = threads_for(p->nc * C, items, nthreads);
    /* one workspace, whole cache lines per piece: the column partials, col_stats' work per
     * thread (three arrays of its block's columns, see col_stats), the channel scratch; on the
     * stack when small (three mallocs took a quarter of a 1e3-element RunningStats.update) */
    ptrdiff_t wl = 3 * partial_stride(pmin(p->W, FA_NORM_COL_BLOCK));
    ptrdiff_t total = 2 * wp * nseg + wl * nt + 3 * p->inner;
    double local[FA_NORM_STACK_WORK] __attribute__((aligned(64)));
    double *parts = total <= FA_NORM_STACK_WORK ? local : amalloc((size_t)total * sizeof(double));
    if (!parts)
        return -1;
    double *work = parts + 2 * wp * nseg, *scratch = work + wl * nt;
    FA_FOR_ITEMS(nt, it, items, col_stats_item(p, x, parts, work + thread_id() * wl, it);)
    tree_cols(p, parts, 1);
    for (ptrdiff_t c = 0; c < C; c++)
        fold_channel(p, parts, c, 1, st + 3 * c, scratch);
    if (parts != local)
        afree(parts);
    return 0;
}

int fa_norm_stats(int dt, const void *x, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                  double *mean, double *m2, int nthreads)
{
    fa_plan p;
    plan_make(&p, dt, outer, C, inner, 0);
    double *st = malloc((size_t)(3 * C + 1) * sizeof(double));
    if (!st)
        return -1;
    if (stats_all(&p, (const char *)x, st, nthreads) != 0) {
        free(st);
        return -1;
    }
    for (ptrdiff_t c = 0; c < C; c++) {
        mean[c] = st[3 * c + 1];
        m2[c] = st[3 * c + 2];
    }
    free(st);
    return 0;
}

/* Chan's merge of the batch (nb values, st[3 * c + 1..2]) into a T state of `count` values,
 * the factors every channel shares computed once (fa_chan_merge_by). */
#define FA_MERGE_STATE(T)                                                                     \
    do {                                                                                      \
        T *restrict m_ = (T *)mean, *restrict q_ = (T *)m2;                                   \
        if (count == 0.0) {                                                                   \
            for (ptrdiff_t c = 0; c < C; c++) {                                               \
                m_[c] = (T)st[3 * c + 1];                                                     \
                q_[c] = (T)st[3 * c + 2];                                                     \
            }                                                                                 \
            break;                                                                            \
        }                                                                                     \
        double fb_ = nb / (count + nb), fab_ = count * fb_;                                   \
        for (ptrdiff_t c = 0; c < C; c++) {                                                   \
            double ma = (double)m_[c], m2a = (double)q_[c];                                   \
            fa_chan_merge_by(fb_, fab_, &ma, &m2a, st[3 * c + 1], st[3 * c + 2]);             \
            m_[c] = (T)ma;                                                                    \
            q_[c] = (T)m2a;                                                                   \
        }                                                                                     \
    } while (0)

int fa_norm_stats_merge(int dt, const void *x, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                        int sdt, double count, void *mean, void *m2, int nthreads)
{
    fa_plan p;
    double nb = (double)outer * (double)inner;
    if (C == 0 || nb == 0.0)
        return 0;
    plan_make(&p, dt, outer, C, inner, 0);
    /* a small batch's statistics on the stack: a malloc of this size costs more than a 1e3
     * element batch's whole reduction */
    double local[3 * 256 + 1];
    double *st = C <= 256 ? local : malloc((size_t)(3 * C + 1) * sizeof(double));
    if (!st)
        return -1;
    if (stats_all(&p, (const char *)x, st, nthreads) != 0) {
        if (st != local)
            free(st);
        return -1;
    }
    if (sdt == FA_F32)
        FA_MERGE_STATE(float);
    else
        FA_MERGE_STATE(double);
    if (st != local)
        free(st);
    return 0;
}

/* ---------------------------------------------------------------- apply */
/* Run the elementwise pass with per-channel parameter blocks prm[C][FA_NP_COUNT]. */
static int pass_with(const fa_plan *p, int kind, const char *dy, const char *x, char *y,
                     const double *prm, const double *act, int nthreads)
{
    fa_pass q = {p, kind, x, dy, y, prm, NULL, act, NULL, NULL};
    void *cols = NULL;
    ptrdiff_t total = p->outer * p->W;
    if (total == 0)
        return 0;
    if (p->cols) {
        cols = expand_params(p, prm, x, kind == PASS_APPLY ? FA_NEED_APPLY : FA_NEED_BWD_APPLY);
        if (!cols)
            return -1;
        q.prm_col = cols;
    }
    pass_run(&q, total, nthreads);
    free_params(cols, x);
    return 0;
}

int fa_norm_apply(int dt, const void *x, void *y, ptrdiff_t outer, ptrdiff_t C, ptrdiff_t inner,
                  const double *center, const double *scale, const double *shift,
                  const double *act, int nthreads)
{
    fa_plan p;
    plan_make(&p, dt, outer, C, inner, 0);
    double *prm = malloc((size_t)(FA_NP_COUNT * C + 1) * sizeof(double));
    if (!prm)
        return -1;
    for (ptrdiff_t c = 0; c < C; c++)
        chan_params(dt, center[c], scale[c], shift ? shift[c] : 0.0, prm + c * FA_NP_COUNT);
    int rc = pass_with(&p, PASS_APPLY, NULL, (const char *)x, (char *)y, prm, act, nthreads);
    free(prm);
    return rc;
}

int fa_norm_forward_eval(int dt, const void *x, void *y, ptrdiff_t outer, ptrdiff_t C,
                         ptrdiff_t inner, const double *mean, const double *var, const double *w,
                         const double *b, double eps, const double *act, double *invstd,
                         int nthreads)
{
    double *scale = malloc((size_t)(C + 1) * sizeof(double));
    if (!scale)
        return -1;
    for (ptrdiff_t c = 0; c < C; c++) {
        invstd[c] = 1.0 / sqrt(var[c] + eps);
        scale[c] = w ? invstd[c] * w[c] : invstd[c];
    }
    int rc = fa_norm_apply(dt, x, y, outer, C, inner, mean, scale, b, act, nthreads);
    free(scale);
    return rc;
}

/* ---------------------------------------------------------------- BatchNorm forward */
static void finish_channel(int dt, const double *st, ptrdiff_t c, const double *w,
                           const double *b, double eps, double *mean, double *var,
                           double *invstd, double *prm)
{
    double m = st[1], v = st[2] / st[0];
    double is = 1.0 / sqrt(v + eps);
    mean[c] = m;
    var[c] = v;
    invstd[c] = is;
    chan_params(dt, m, w ? is * w[c] : is, b ? b[c] : 0.0, prm);
}

int fa_norm_forward_train(int dt, const void *xv, void *yv, ptrdiff_t outer, ptrdiff_t C,
                          ptrdiff_t inner, const double *w, const double *b, double eps,
                          const double *act, double *mean, double *var, double *invstd,
                          int nthreads)
{
    const char *x = (const char *)xv;
    char *y = (char *)yv;
    fa_plan p;
    plan_make(&p, dt, outer, C, inner, 0);
    double *st = malloc((size_t)(3 * C + 1) * sizeof(double));
    double *prm = malloc((size_t)(FA_NP_COUNT * C + 1) * sizeof(double));
    int rc = -1;
    if (st && prm && stats_all(&p, x, st, nthreads) == 0) {
        for (ptrdiff_t c = 0; c < C; c++)
            finish_channel(dt, st + 3 * c, c, w, b, eps, mean, var, invstd,
                           prm + c * FA_NP_COUNT);
        rc = pass_with(&p, PASS_APPLY, NULL, x, y, prm, act, nthreads);
    }
    free(st);
    free(prm);
    return rc;
}

/* ---------------------------------------------------------------- backward */
/* Per-channel sums (A, B) into sums[2 * C], B taken about the center in prm (mh + ml); dx = dv * k
 * written when dx != NULL. */
static int sums_all(const fa_plan *p, const char *dy, const char *x, char *dx,
                    const double *prm, const double *act, double *sums,
                    int nthreads)
{
    ptrdiff_t C = p->C, nseg = p->nseg;
    if (C == 0)
        return 0;
    if (p->nc == 0) {
        memset(sums, 0, (size_t)(2 * C) * sizeof(double));
        return 0;
    }
    if (!p->cols) {
        double *parts = malloc((size_t)(2 * C * nseg) * sizeof(double));
        if (!parts)
            return -1;
        run_all(p, 1, dy, x, dx, prm, act, parts, nthreads);
        for (ptrdiff_t c = 0; c < C; c++) {
            tree_sums(parts + 2 * c * nseg, nseg, 2);
            sums[2 * c] = parts[2 * c * nseg];
            sums[2 * c + 1] = parts[2 * c * nseg + 1];
        }
        free(parts);
        return 0;
    }
    ptrdiff_t W = p->W, wp = p->wp, items = nseg * p->ncb, isz = p->isz;
    int nt = threads_for(p->nc * C, items, nthreads);
    /* the partial sums shifted like x's columns within a cache line (see col_bwd_sums) */
    double *praw = amalloc((size_t)(2 * wp * nseg + 8) * sizeof(double));
    double *parts = praw ? praw + col_shift(x, pmin(W, FA_NORM_COL_BLOCK), isz) : NULL;
    double *scratch = malloc((size_t)(2 * p->inner) * sizeof(double));
    void *cols = expand_params(p, prm, x, FA_NEED_BWD_SUMS);
    if (!parts || !scratch || !cols) {
        afree(praw);
        free(scratch);
        free_params(cols, x);
        return -1;
    }
    fa_norm_col_bwd_sums_fn f = fa_active.norm.col_bwd_sums[p->dt];
    FA_FOR_ITEMS(nt, it, items, {
        ptrdiff_t s = it / p->ncb, c0 = (it % p->ncb) * FA_NORM_COL_BLOCK;
        ptrdiff_t r0 = s * p->srows, nr = pmin(p->srows, p->outer - r0);
        ptrdiff_t ncols = pmin(FA_NORM_COL_BLOCK, W - c0), off = (r0 * W + c0) * isz;
        double *part = parts + s * 2 * wp;
        f(dy + off, x + off, dx ? dx + off : NULL, nr, ncols, W, (const char *)cols + c0 * isz,
          p->pld, act, part + c0, part + wp + c0);
    })
    tree_cols(p, parts, 0);
    for (ptrdiff_t c = 0; c < C; c++) {
        fold_channel(p, parts, c, 0, sums + 2 * c, scratch);
        /* col_bwd_sums took B about mh: about mh + ml it is B - ml * A */
        sums[2 * c + 1] -= prm[c * FA_NP_COUNT + FA_NP_ML] * sums[2 * c];
    }
    afree(praw);
    free(scratch);
    free_params(cols, x);
    return 0;
}

/* BatchNorm coefficients of channel c from its sums; prm already holds the affine part. */
static void bn_coefficients(int dt, ptrdiff_t n, double A, double B, double invstd, double w,
                            int training, double *prm, double *gw, double *gb)
{
    double scale = invstd * w;
    *gb = A;
    *gw = B * invstd;
    prm[FA_NP_K] = round_t(dt, scale);
    if (training) {
        prm[FA_NP_Q] = round_t(dt, -(scale * (invstd * invstd)) * (B / (double)n));
        prm[FA_NP_R] = round_t(dt, -scale * (A / (double)n));
    } else {
        prm[FA_NP_Q] = prm[FA_NP_R] = 0.0;
    }
}

int fa_norm_backward(int dt, const void *dyv, const void *xv, void *dxv, ptrdiff_t outer,
                     ptrdiff_t C, ptrdiff_t inner, const double *mean, const double *invstd,
                     const double *w, const double *b, const double *act, int training,
                     double *gw, double *gb, int nthreads)
{
    const char *dy = (const char *)dyv, *x = (const char *)xv;
    char *dx = (char *)dxv;
    fa_plan p;
    plan_make(&p, dt, outer, C, inner, 0);
    double *prm = malloc((size_t)(FA_NP_COUNT * C + 1) * sizeof(double));
    if (!prm)
        return -1;
    for (ptrdiff_t c = 0; c < C; c++) {
        double *pc = prm + c * FA_NP_COUNT;
        chan_params(dt, mean[c], w ? invstd[c] * w[c] : invstd[c], b ? b[c] : 0.0, pc);
        pc[FA_NP_K] = round_t(dt, w ? invstd[c] * w[c] : invstd[c]);
    }
    double *sums = malloc((size_t)(2 * C + 1) * sizeof(double));
    int rc = -1;
    if (sums && sums_all(&p, dy, x, training ? NULL : dx, prm, act, sums, nthreads) == 0) {
        for (ptrdiff_t c = 0; c < C; c++)
            bn_coefficients(dt, p.nc, sums[2 * c], sums[2 * c + 1], invstd[c],
                            w ? w[c] : 1.0, training, prm + c * FA_NP_COUNT, gw + c, gb + c);
        rc = training ? pass_with(&p, PASS_BWD_APPLY, dy, x, dx, prm, act, nthreads) : 0;
    }
    free(sums);
    free(prm);
    return rc;
}

int fa_norm_bwd_reduce(int dt, const void *dy, const void *x, ptrdiff_t outer, ptrdiff_t C,
                       ptrdiff_t inner, const double *center, const double *scale,
                       const double *shift, const double *act, double *A, double *B,
                       int nthreads)
{
    fa_plan p;
    plan_make(&p, dt, outer, C, inner, 0);
    double *prm = malloc((size_t)(FA_NP_COUNT * C + 1) * sizeof(double));
    double *sums = malloc((size_t)(2 * C + 1) * sizeof(double));
    int rc = -1;
    if (prm && sums) {
        for (ptrdiff_t c = 0; c < C; c++)
            chan_params(dt, center[c], scale[c], shift[c], prm + c * FA_NP_COUNT);
        rc = sums_all(&p, (const char *)dy, (const char *)x, NULL, prm, act, sums, nthreads);
        for (ptrdiff_t c = 0; rc == 0 && c < C; c++) {
            A[c] = sums[2 * c];
            B[c] = sums[2 * c + 1];
        }
    }
    free(prm);
    free(sums);
    return rc;
}

int fa_norm_bwd_apply(int dt, const void *dy, const void *x, void *dx, ptrdiff_t outer,
                      ptrdiff_t C, ptrdiff_t inner, const double *center, const double *scale,
                      const double *shift, const double *act, const double *k, const double *q,
                      const double *r, int nthreads)
{
    fa_plan p;
    plan_make(&p, dt, outer, C, inner, 0);
    double *prm = malloc((size_t)(FA_NP_COUNT * C + 1) * sizeof(double));
    if (!prm)
        return -1;
    for (ptrdiff_t c = 0; c < C; c++) {
        double *pc = prm + c * FA_NP_COUNT;
        chan_params(dt, center[c], scale[c], shift[c], pc);
        pc[FA_NP_K] = round_t(dt, k[c]);
        pc[FA_NP_Q] = round_t(dt, q[c]);
        pc[FA_NP_R] = round_t(dt, r[c]);
    }
    int rc = pass_with(&p, PASS_BWD_APPLY, (const char *)dy, (const char *)x, (char *)dx, prm,
                       act, nthreads);
    free(prm);
    return rc;
}

/* ---------------------------------------------------------------- LayerNorm */
static void *fill_t(int dt, ptrdiff_t n, double v)
{
    void *a = malloc((size_t)(n + 1) * (dt == FA_F32 ? 4 : 8));
    if (a)
        for (ptrdiff_t i = 0; i < n; i++)
            put_t(dt, a, i, v);
    return a;
}

static void ln_finish(const fa_plan *p, ptrdiff_t r, const double *st, double eps, double *mean,
                      double *invstd, double *prm)
{
    mean[r] = st[1];
    invstd[r] = 1.0 / sqrt(st[2] / st[0] + eps);
    chan_params(p->dt, mean[r], invstd[r], 0.0, prm + r * FA_NP_COUNT);
}

/* LayerNorm forward of rows [r0, r1). A row that is a single leaf is normalized in the same loop
 * as the next row's statistics (ln_stats_apply), so memory and arithmetic overlap. */
static void ln_rows(const fa_plan *p, const char *x, char *y, ptrdiff_t r0, ptrdiff_t r1,
                    const char *w, const char *b, double eps, double *mean, double *invstd,
                    double *prm)
{
    int dt = p->dt;
    ptrdiff_t D = p->inner, row = D * p->isz;
    if (r0 >= r1)
        return;
    if (p->nleaf == 1) {
        double res[2], st[3];
        fa_active.norm.run_stats[dt](x + r0 * row, D, res);
        for (ptrdiff_t r = r0; r < r1; r++) {
            st[0] = (double)D;
            st[1] = res[0];
            st[2] = res[1];
            ln_finish(p, r, st, eps, mean, invstd, prm);
            if (r + 1 < r1)
                fa_active.norm.ln_stats_apply[dt](x + (r + 1) * row, D, res, x + r * row,
                                                  y + r * row, prm + r * FA_NP_COUNT, w, b);
            else
                fa_active.norm.ln_apply[dt](x + r * row, y + r * row, D, prm + r * FA_NP_COUNT,
                                            w, b);
        }
        return;
    }
    for (ptrdiff_t r = r0; r < r1; r++) {
        double parts[3 * FA_NORM_MAXSEG];
        for (ptrdiff_t s = 0; s < p->nseg; s++)
            run_seg_stats(p, x, r, s, parts + 3 * s);
        tree_stats(parts, p->nseg, 3);
        ln_finish(p, r, parts, eps, mean, invstd, prm);
        fa_active.norm.ln_apply[dt](x + r * row, y + r * row, D, prm + r * FA_NP_COUNT, w, b);
    }
}

int fa_layer_norm_forward(int dt, const void *xv, void *yv, ptrdiff_t rows, ptrdiff_t D,
                          const void *w, const void *b, double eps, double *mean, double *invstd,
                          int nthreads)
{
    const char *x = (const char *)xv;
    char *y = (char *)yv;
    fa_plan p;
    plan_make(&p, dt, 1, rows, D, 1);
    if (rows == 0)
        return 0;
    if (D == 0) {
        for (ptrdiff_t r = 0; r < rows; r++)
            mean[r] = invstd[r] = NAN;
        return 0;
    }
    void *ones = w ? NULL : fill_t(dt, D, 1.0);
    void *zeros = b ? NULL : fill_t(dt, D, 0.0);
    double *prm = malloc((size_t)(FA_NP_COUNT * rows) * sizeof(double));
    int rc = -1;
    if ((w || ones) && (b || zeros) && prm) {
        const char *wt = w ? (const char *)w : (const char *)ones;
        const char *bt = b ? (const char *)b : (const char *)zeros;
        int nt = threads_for(rows * D, rows, nthreads);
        rc = 0;
        if (nt <= 1 || rows >= 4 * nt) {
            /* rows split in nt contiguous ranges, statistics and normalization row by row */
            FA_FOR_ITEMS(nt, t, nt, ln_rows(&p, x, y, rows * t / nt, rows * (t + 1) / nt, wt, bt,
                                            eps, mean, invstd, prm);)
        } else {
            double *st = malloc((size_t)(3 * rows) * sizeof(double));
            rc = st ? stats_all(&p, x, st, nthreads) : -1;
            if (rc == 0) {
                for (ptrdiff_t r = 0; r < rows; r++)
                    ln_finish(&p, r, st + 3 * r, eps, mean, invstd, prm);
                fa_pass q = {&p, PASS_LN_APPLY, x, NULL, y, prm, NULL, NULL, wt, bt};
                pass_run(&q, rows * D, nthreads);
            }
            free(st);
        }
    }
    free(ones);
    free(zeros);
    free(prm);
    return rc;
}

int fa_layer_norm_backward(int dt, const void *dyv, const void *xv, void *dxv, ptrdiff_t rows,
                           ptrdiff_t D, const double *mean, const double *invstd, const void *w,
                           double *gw, double *gb, int nthreads)
{
    const char *dy = (const char *)dyv, *x = (const char *)xv;
    char *dx = (char *)dxv;
    ptrdiff_t isz = dt == FA_F32 ? 4 : 8;
    if (D == 0)
        return 0;
    if (rows == 0) {
        memset(gw, 0, (size_t)D * sizeof(double));
        memset(gb, 0, (size_t)D * sizeof(double));
        return 0;
    }
    ptrdiff_t nseg = pclamp(rows * D / FA_NORM_SEG_ELEMS, 1, FA_NORM_MAXSEG);
    ptrdiff_t cap = FA_NORM_PART_CAP / (2 * D);
    nseg = pclamp(nseg, 1, pmin(rows, cap < 1 ? 1 : cap));
    ptrdiff_t srows = cdiv(rows, nseg);
    nseg = cdiv(rows, srows);
    ptrdiff_t wp = partial_stride(D);
    void *ones = w ? NULL : fill_t(dt, D, 1.0);
    int nt = threads_for(rows * D, nseg, nthreads);
    double *parts = amalloc((size_t)(2 * wp * nseg) * sizeof(double));
    if (!parts || (!w && !ones)) {
        afree(parts);
        free(ones);
        return -1;
    }
    memset(parts, 0, (size_t)(2 * wp * nseg) * sizeof(double));
    const void *wt = w ? w : ones;
    fa_norm_ln_bwd_fn f = fa_active.norm.ln_bwd[dt];
    FA_FOR_ITEMS(nt, s, nseg, {
        double *pgw = parts + s * 2 * wp, *pgb = pgw + wp;
        ptrdiff_t r1 = pmin((s + 1) * srows, rows);
        ptrdiff_t r0 = s * srows, off = r0 * D * isz;
        f(dy + off, x + off, dx + off, r1 - r0, D, mean + r0, invstd + r0, wt, pgw, pgb);
    })
    fa_plan p;
    memset(&p, 0, sizeof p);
    p.W = D;
    p.wp = wp;
    p.nseg = nseg;
    tree_cols(&p, parts, 0);
    memcpy(gw, parts, (size_t)D * sizeof(double));
    memcpy(gb, parts + wp, (size_t)D * sizeof(double));
    afree(parts);
    free(ones);
    return 0;
}
