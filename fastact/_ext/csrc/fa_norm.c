/* Normalization kernels, compiled once per ISA level like fa_act.c: the loops of fa_norm_impl.h
 * instantiated for float and double, and the table they fill. */
#include <stddef.h>
#include <stdint.h>

#include "fa_kernels.h"

#ifndef FA_ISA
#error "FA_ISA must name the ISA level this object is compiled for"
#endif

#define FA_NCAT3_(a, b, c) a##_##b##_##c
#define FA_NCAT3(a, b, c) FA_NCAT3_(a, b, c)
/* FN(name): the instance of a loop for the current T */
#define FN(name) FA_NCAT3(fa_norm, name, SFX)

#define T float
#define SFX f32
#include "fa_norm_impl.h"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "fa_norm_impl.h"
#undef T
#undef SFX

#define FA_NORM_ENTRIES(X)                                                                    \
    X(run_stats)                                                                              \
    X(col_stats)                                                                              \
    X(run_apply)                                                                              \
    X(col_apply)                                                                              \
    X(run_bwd_sums)                                                                           \
    X(col_bwd_sums)                                                                           \
    X(run_bwd_apply)                                                                          \
    X(col_bwd_apply)                                                                          \
    X(ln_apply)                                                                               \
    X(ln_stats_apply)                                                                         \
    X(ln_bwd)

#define FA_NORM_SET(name)                                                                     \
    t->name[FA_F32] = fa_norm_##name##_f32;                                                   \
    t->name[FA_F64] = fa_norm_##name##_f64;

#define FA_FILL_NORM_(isa) fa_fill_norm_##isa
#define FA_FILL_NORM(isa) FA_FILL_NORM_(isa)

void FA_FILL_NORM(FA_ISA)(fa_norm_table *t) { FA_NORM_ENTRIES(FA_NORM_SET) }
