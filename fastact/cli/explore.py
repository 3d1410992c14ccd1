"""``python -m fastact explore``: the classic experiment of a deep MLP on N(0, 1) input, one
forward and backward pass, and the per-layer activation and gradient statistics (small random
weights make tanh activations collapse layer after layer, large ones saturate them; Xavier keeps
them alive and BatchNorm fixes both)."""

import sys

import numpy as np

HELP = "per-layer activation/gradient statistics of a deep MLP on N(0,1) input"


def add_arguments(parser):
    from ._nets import INIT_CHOICES

    parser.add_argument("--activation", default="tanh", help="any registered activation")
    parser.add_argument("--init", default="normal", choices=INIT_CHOICES)
    parser.add_argument("--std", type=float, default=0.01,
                        help="std for --init normal (the bound for --init uniform)")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--width", type=int, default=500)
    parser.add_argument("--samples", type=int, default=1000, help="rows of N(0, 1) input")
    parser.add_argument("--batchnorm", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--png", metavar="FILE", help="histograms and gradient norms")


def explore(activation="tanh", init="normal", std=0.01, depth=5, width=500, samples=1000,
            batchnorm=False, seed=0):
    """(model, rows): the network of the experiment and its ``layer_stats`` for N(0, 1) input
    of shape (samples, width) and random labels of 10 classes."""
    from ..diagnostics import layer_stats
    from ._nets import build_mlp, init_spec

    spec = init_spec(init, std, activation)
    model = build_mlp(width, 10, depth, width, activation, spec, batchnorm, rng=seed,
                      dtype=np.float64)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((samples, width))
    y = rng.integers(0, 10, samples)
    return model, layer_stats(model, x, y)


def run(args):
    from ..diagnostics import format_stats, plot_stats
    from ._nets import Unavailable
    from .train import blas_single_thread

    try:
        with blas_single_thread():
            model, rows = explore(args.activation, args.init, args.std, args.depth, args.width,
                                  args.samples, args.batchnorm, args.seed)
    except Unavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    init = f"normal(std={args.std})" if args.init == "normal" else args.init
    title = (f"{args.activation}, init {init}, depth {args.depth}, width {args.width}"
             f"{', BatchNorm' if args.batchnorm else ''}")
    print(title)
    print(format_stats(rows))
    if args.png:
        try:
            plot_stats(rows, args.png, title=title)
        except ImportError:
            print("--png needs matplotlib (pip install 'fastact[plot]')", file=sys.stderr)
            return 2
        print(f"wrote {args.png}")
    return 0
