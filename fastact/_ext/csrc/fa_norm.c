/* Normalization kernels, compiled once per ISA level like fa_act.c. */
#include "fa_kernels.h"

#ifndef FA_ISA
#error "FA_ISA must name the ISA level this object is compiled for"
#endif

#define FA_FILL_NORM_(isa) fa_fill_norm_##isa
#define FA_FILL_NORM(isa) FA_FILL_NORM_(isa)

void FA_FILL_NORM(FA_ISA)(fa_norm_table *t) { (void)t; }
