/* Activations that are not elementwise maps (prelu, rrelu, softmax, log_softmax, maxout, the
 * swish beta gradient, softmax cross-entropy): the table each ISA variant of fa_special.c
 * fills. */
#ifndef FA_SPECIAL_H
#define FA_SPECIAL_H

#include <stddef.h>

typedef struct {
    void *reserved; /* entries are added with the kernels */
} fa_special_table;

void fa_fill_special_baseline(fa_special_table *t);
void fa_fill_special_avx2(fa_special_table *t);
void fa_fill_special_avx512(fa_special_table *t);

#endif
