/* Non-elementwise activation kernels, compiled once per ISA level like fa_act.c. */
#include "fa_kernels.h"

#ifndef FA_ISA
#error "FA_ISA must name the ISA level this object is compiled for"
#endif

#define FA_FILL_SPECIAL_(isa) fa_fill_special_##isa
#define FA_FILL_SPECIAL(isa) FA_FILL_SPECIAL_(isa)

void FA_FILL_SPECIAL(FA_ISA)(fa_special_table *t) { (void)t; }
