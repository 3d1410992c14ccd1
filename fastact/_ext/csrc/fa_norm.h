/* Normalization kernels (BatchNorm, LayerNorm, GroupNorm, running statistics): the table of
 * entry points each ISA variant of fa_norm.c fills. */
#ifndef FA_NORM_H
#define FA_NORM_H

#include <stddef.h>

typedef struct {
    void *reserved; /* entries are added with the kernels */
} fa_norm_table;

void fa_fill_norm_baseline(fa_norm_table *t);
void fa_fill_norm_avx2(fa_norm_table *t);
void fa_fill_norm_avx512(fa_norm_table *t);

#endif
