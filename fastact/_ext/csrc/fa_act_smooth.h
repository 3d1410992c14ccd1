/* Smooth activations: point functions over T built on fa_math.h, included by fa_act_ops.h once
 * per dtype (same contract as fa_act_ops.h: branch-free selects, NaN in gives NaN out). */
