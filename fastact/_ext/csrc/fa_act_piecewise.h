/* Piecewise-linear activations: point functions over T, included by fa_act_ops.h once per dtype
 * (same contract as fa_act_ops.h: branch-free selects, NaN in gives NaN out). Exact results. */
