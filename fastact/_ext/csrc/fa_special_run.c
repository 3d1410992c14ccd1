/* Entry points for the non-elementwise activations (compiled once): threading and the calls
 * through fa_active.special into the ISA-specific kernels of fa_special.c. */
#include "fa_kernels.h"
