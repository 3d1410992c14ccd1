/* fastact compiled tier: the kernel table shared by every ISA variant and the dispatcher.
 *
 * Every activation is declared once, in FA_ACTIVATIONS below. Each ISA variant of the kernel
 * sources (fa_act.c compiled with FA_ISA=baseline|avx2|avx512) fills one fa_table with its
 * loops; fa_dispatch.c picks the table at import.
 *
 * Kernel contract: serial loops over n contiguous elements; no Python, no GIL, no allocation.
 * Exactly aliased input and output (in place) are allowed, partial overlap is not.
 * Parameters arrive as doubles in p[0..FA_MAX_PARAMS-1] and are converted once per call.
 */
#ifndef FA_KERNELS_H
#define FA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "fa_norm.h"
#include "fa_special.h"

#define FA_MAX_PARAMS 4

/* Elements of itemsize bytes before the first 64-byte boundary at or after p, at most n. The
 * streaming passes run those apart, so that their main loops store (and, for inputs at the
 * output's offset, load) whole cache lines. */
static inline ptrdiff_t fa_line_head(const void *p, ptrdiff_t n, ptrdiff_t itemsize)
{
    ptrdiff_t h = (ptrdiff_t)((64 - ((uintptr_t)p & 63)) & 63) / itemsize;
    return h < n ? h : n;
}

/* The column reductions' head: a row of n items starting at p is split at its first cache-line
 * boundary (fa_line_head) only when it is at least FA_NORM_SPLIT_MIN bytes long. */
static inline ptrdiff_t fa_col_head(const void *p, ptrdiff_t n, ptrdiff_t itemsize)
{
    return n * itemsize < FA_NORM_SPLIT_MIN ? 0 : fa_line_head(p, n, itemsize);
}

/* X(name, from_output): one row per elementwise op; from_output is 1 when the derivative can be
 * computed from the op's output y = f(x) (the backward then also accepts y instead of x). */
#define FA_ACTIVATIONS(X) \
    X(copy, 1)            \
    X(relu, 1)            \
    X(sigmoid, 1)         \
    FA_ACT_PIECEWISE(X)   \
    FA_ACT_SMOOTH(X)

/* Piecewise-linear ops (point functions in fa_act_piecewise.h). */
#define FA_ACT_PIECEWISE(X) \
    X(relu6, 1)             \
    X(leaky_relu, 1)        \
    X(hardtanh, 1)          \
    X(threshold, 0)         \
    X(step, 0)              \
    X(hardsigmoid, 0)       \
    X(hardswish, 0)         \
    X(softsign, 0)


/* Smooth ops (point functions in fa_act_smooth.h). gelu, gelu_tanh and gelu_sigmoid back
 * fastact.gelu's three modes; swish's beta gradient is in fa_swish.h. */
#define FA_ACT_SMOOTH(X) \
    X(tanh, 1)           \
    X(elu, 1)            \
    X(celu, 0)           \
    X(selu, 1)           \
    X(silu, 0)           \
    X(softplus, 0)       \
    X(gelu, 0)           \
    X(gelu_tanh, 0)      \
    X(gelu_sigmoid, 0)   \
    X(mish, 0)           \
    X(swish, 0)

enum fa_op {
#define FA_ENUM_OP(name, from_output) FA_OP_##name,
    FA_ACTIVATIONS(FA_ENUM_OP)
#undef FA_ENUM_OP
    FA_NOPS
};

enum fa_dtype { FA_F32 = 0, FA_F64 = 1, FA_NDTYPES };

/* y = f(x) */
typedef void (*fa_unary_fn)(const void *x, void *y, ptrdiff_t n, const double *p);
/* y = f(a, b), e.g. grad_input = grad_output * f'(x) */
typedef void (*fa_binary_fn)(const void *a, const void *b, void *y, ptrdiff_t n, const double *p);

/* one row of softmax cross-entropy: loss (float64) and gradient times scale (fa_loss_row.c) */
typedef void (*fa_xent_row_fn)(const void *x, int64_t label, ptrdiff_t c, double scale, void *g,
                               double *loss);

typedef struct {
    fa_unary_fn forward[FA_NOPS][FA_NDTYPES];
    fa_unary_fn derivative[FA_NOPS][FA_NDTYPES];
    fa_binary_fn backward[FA_NOPS][FA_NDTYPES];        /* (grad_output, x) */
    fa_binary_fn backward_output[FA_NOPS][FA_NDTYPES]; /* (grad_output, y = f(x)) */
    fa_binary_fn add[FA_NDTYPES];                      /* the backward roof: y = a + b */
    fa_norm_table norm;
    fa_special_table special;
    fa_xent_row_fn xent_row[FA_NDTYPES];
} fa_table;

/* ISA levels, in increasing order. */
enum fa_isa { FA_ISA_BASELINE = 0, FA_ISA_AVX2 = 1, FA_ISA_AVX512 = 2, FA_NISA };

/* Each ISA variant of fa_act.c defines fa_fill_act_<isa>, of fa_norm.c fa_fill_norm_<isa>, of
 * fa_special.c fa_fill_special_<isa>. */
void fa_fill_act_baseline(fa_table *t);
void fa_fill_act_avx2(fa_table *t);
void fa_fill_act_avx512(fa_table *t);
void fa_fill_loss_baseline(fa_table *t); /* fa_loss_row.c */
void fa_fill_loss_avx2(fa_table *t);
void fa_fill_loss_avx512(fa_table *t);

/* fa_dispatch.c */
extern fa_table fa_active;                 /* the table in use */
int fa_isa_compiled(int level);            /* 1 if this build has kernels for level */
int fa_isa_supported(int level);           /* 1 if compiled and the CPU can run it */
int fa_isa_select(int level);              /* 0 on success, -1 if unsupported */
int fa_isa_current(void);
const char *fa_op_name(int op);
int fa_have_openmp(void);
const char *fa_compiler(void);

/* fa_parallel.c: run a kernel over n elements with up to nthreads threads, each thread taking
 * one contiguous slice of at least `grain` elements (serial when n < 2 * grain). */
void fa_run_unary(fa_unary_fn fn, const char *x, char *y, ptrdiff_t n, ptrdiff_t itemsize,
                  const double *p, int nthreads, ptrdiff_t grain);
void fa_run_binary(fa_binary_fn fn, const char *a, const char *b, char *y, ptrdiff_t n,
                   ptrdiff_t itemsize, const double *p, int nthreads, ptrdiff_t grain);
int fa_omp_max_threads(void);
int fa_threads_for(ptrdiff_t n, int nthreads, ptrdiff_t grain);

#endif
