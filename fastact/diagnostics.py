"""Training diagnostics: per-layer activation and gradient statistics of a network, the
numbers that show vanishing and exploding signals (``layer_stats``), as a table
(``format_stats``) or a figure (``plot_stats``, needs matplotlib: the ``plot`` extra).
"""

import math

import numpy as np

__all__ = ["layer_stats", "format_stats", "plot_stats"]

SATURATION = 1e-3  # |f'(x)| below this counts as saturated


def _norm(a):
    flat = np.ravel(a).astype(np.float64, copy=False)
    return math.sqrt(float(np.dot(flat, flat)))


def _layers(model):
    from .nn import Sequential

    return list(model) if isinstance(model, Sequential) else [model]


def _activation_kind(layer):
    """('dead', fn) for piecewise-linear activations, ('saturated', fn) for smooth ones with an
    elementwise derivative, else (None, None)."""
    fn = getattr(layer, "fn", None)
    if fn is not None:
        return ("dead" if fn.piecewise_linear else "saturated"), fn
    name = getattr(layer, "activation_name", None)
    if name is not None and getattr(layer, "activation", None):  # BatchNorm fused activation
        return "dead", None
    return None, None


def layer_stats(model, x, y=None):
    """Run one forward pass (and a backward pass when labels y are given) and describe each
    layer of `model` (a Sequential, or one layer).

    y: integer class labels (N,) for a SoftmaxCrossEntropy loss on the output, or an array of
    the output's shape for an MSELoss. The model's parameters, buffers (BatchNorm running
    statistics) and accumulated gradients are left as they were; its mode (train/eval) is used
    as it is.

    Returns a list with one dict per layer: ``index``, ``layer`` (class name), ``shape`` (of its
    output), ``mean``, ``std`` (of its output), ``saturated`` (fraction of inputs with
    |f'(x)| < 1e-3, smooth activations only, else None), ``dead`` (fraction of exact zeros in the
    output, piecewise-linear activations and BatchNorm with a fused activation, else None),
    ``grad_norm`` (L2 norm of the loss gradient w.r.t. the layer's output, None without y),
    ``param_norm`` and ``param_grad_norm`` (L2 norms over the layer's parameters and their
    gradients, None when it has none or without y), and ``output`` (the output array itself,
    for histograms).
    """
    from .nn import MSELoss, SoftmaxCrossEntropy

    layers = _layers(model)
    state = model.state_dict()
    saved_grads = [g.copy() for _, g in model.parameters()]
    rows = []
    try:
        h = np.asarray(x)
        for i, layer in enumerate(layers):
            inp = h
            h = layer.forward(h)
            kind, fn = _activation_kind(layer)
            hd = np.asarray(h, dtype=np.float64)
            row = {"index": i, "layer": type(layer).__name__, "shape": tuple(np.shape(h)),
                   "mean": float(hd.mean()) if hd.size else math.nan,
                   "std": float(hd.std()) if hd.size else math.nan,
                   "saturated": None, "dead": None, "grad_norm": None,
                   "param_norm": _norm(np.concatenate([p.ravel() for p in layer.params.values()]))
                   if layer.params else None,
                   "param_grad_norm": None, "output": h}
            if kind == "dead":
                row["dead"] = float(np.mean(hd == 0)) if hd.size else math.nan
            elif kind == "saturated":
                try:
                    d = fn.derivative(inp)
                    row["saturated"] = float(np.mean(np.abs(d) < SATURATION)) if hd.size \
                        else math.nan
                except NotImplementedError:
                    pass
            rows.append(row)
        if y is not None:
            y = np.asarray(y)
            loss = SoftmaxCrossEntropy() if y.dtype.kind in "iu" else MSELoss()
            loss.forward(h, y)
            for layer in model.modules():
                for g in layer.grads.values():
                    g.fill(0)
            g = loss.backward()
            for i in range(len(layers) - 1, -1, -1):
                rows[i]["grad_norm"] = _norm(g)
                g = layers[i].backward(g)
                if layers[i].grads:
                    rows[i]["param_grad_norm"] = _norm(
                        np.concatenate([gr.ravel() for gr in layers[i].grads.values()]))
    finally:
        model.load_state_dict(state)
        for (_, g), old in zip(model.parameters(), saved_grads):
            g[...] = old
    return rows


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def format_stats(rows):
    """The rows of ``layer_stats`` as an aligned text table."""
    header = (f"{'#':>2s} {'layer':12s} {'mean':>10s} {'std':>10s} {'saturated':>9s} "
              f"{'dead':>6s} {'grad_norm':>10s} {'param_grad':>10s}")
    lines = [header, "-" * len(header)]
    for r in rows:
        sat = None if r["saturated"] is None else 100 * r["saturated"]
        dead = None if r["dead"] is None else 100 * r["dead"]
        lines.append(f"{r['index']:2d} {r['layer'][:12]:12s} {r['mean']:10.3e} {r['std']:10.3e} "
                     f"{_fmt(sat, '8.1f') + ('%' if sat is not None else ''):>9s} "
                     f"{_fmt(dead, '5.1f') + ('%' if dead is not None else ''):>6s} "
                     f"{_fmt(r['grad_norm'], '10.3e'):>10s} "
                     f"{_fmt(r['param_grad_norm'], '10.3e'):>10s}")
    return "\n".join(lines)


def plot_stats(rows, path, title=None, only_activations=True):
    """Draw a histogram of each (activation) layer's output, and the gradient norms per layer,
    to a PNG at `path` (matplotlib required)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in rows if not only_activations or r["saturated"] is not None
             or r["dead"] is not None] or rows
    n = max(len(shown), 1)
    fig = plt.figure(figsize=(max(2.6 * n, 6), 5.2))
    grid = fig.add_gridspec(2, n)
    for k, r in enumerate(shown):
        ax = fig.add_subplot(grid[0, k])
        values = np.ravel(np.asarray(r["output"], dtype=np.float64))
        ax.hist(values[np.isfinite(values)], bins=50)
        ax.set_title(f"{r['index']}: {r['layer']}\nmean {r['mean']:.2g} std {r['std']:.2g}",
                     fontsize=8)
        ax.tick_params(labelsize=7)
    ax = fig.add_subplot(grid[1, :])
    idx = [r["index"] for r in rows]
    if any(r["grad_norm"] is not None for r in rows):
        ax.semilogy(idx, [r["grad_norm"] or math.nan for r in rows], "o-",
                    label="|dL/d output|")
        ax.semilogy(idx, [r["param_grad_norm"] or math.nan for r in rows], "s",
                    label="|dL/d params|")
        ax.legend(fontsize=8)
    ax.set_xlabel("layer")
    ax.set_ylabel("gradient norm")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
