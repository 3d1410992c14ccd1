/* Normalization entry points (compiled once): threading and the calls through fa_active.norm
 * into the ISA-specific kernels of fa_norm.c. */
#include "fa_kernels.h"
