/* Runtime CPU dispatch: which ISA variants this build holds, which the CPU can run, and the
 * table of kernels in use. The Python layer chooses the level at import (honouring
 * FASTACT_CPU_CAPABILITY) through fa_isa_select. */
#include <string.h>

#include "fa_kernels.h"

#if defined(__clang__)
#define FA_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define FA_COMPILER "gcc " __VERSION__
#else
#define FA_COMPILER "unknown"
#endif

fa_table fa_active;
static int fa_level = -1;

static const char *const fa_op_names[FA_NOPS] = {
#define FA_NAME_OP(name, from_output) #name,
    FA_ACTIVATIONS(FA_NAME_OP)
#undef FA_NAME_OP
};

const char *fa_op_name(int op) { return (op >= 0 && op < FA_NOPS) ? fa_op_names[op] : NULL; }

int fa_isa_compiled(int level)
{
    switch (level) {
    case FA_ISA_BASELINE:
        return 1;
#ifdef FA_HAVE_AVX2
    case FA_ISA_AVX2:
        return 1;
#endif
#ifdef FA_HAVE_AVX512
    case FA_ISA_AVX512:
        return 1;
#endif
    default:
        return 0;
    }
}

static int fa_cpu_has(int level)
{
    if (level == FA_ISA_BASELINE)
        return 1;
#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__)
    __builtin_cpu_init();
    if (level == FA_ISA_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (level == FA_ISA_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
               && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
               && __builtin_cpu_supports("fma");
#endif
    return 0;
}

int fa_isa_supported(int level) { return fa_isa_compiled(level) && fa_cpu_has(level); }

int fa_isa_select(int level)
{
    if (!fa_isa_supported(level))
        return -1;
    fa_table t;
    memset(&t, 0, sizeof t);
#define FA_FILL_ALL(isa)                                                                      \
    fa_fill_act_##isa(&t);                                                                    \
    fa_fill_norm_##isa(&t.norm);                                                              \
    fa_fill_special_##isa(&t.special);                                                        \
    fa_fill_loss_##isa(&t);
    switch (level) {
#ifdef FA_HAVE_AVX512
    case FA_ISA_AVX512:
        FA_FILL_ALL(avx512)
        break;
#endif
#ifdef FA_HAVE_AVX2
    case FA_ISA_AVX2:
        FA_FILL_ALL(avx2)
        break;
#endif
    default:
        FA_FILL_ALL(baseline)
        break;
    }
#undef FA_FILL_ALL
    fa_active = t;
    fa_level = level;
    return 0;
}

int fa_isa_current(void) { return fa_level; }

int fa_have_openmp(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

const char *fa_compiler(void) { return FA_COMPILER; }
