"""``python -m fastact train``: an MLP on scikit-learn's handwritten digits (8x8 images, 10
classes, shipped with scikit-learn), trained with fastact.nn; ``--compare`` trains a set of
deep configurations side by side (activation, initialization, BatchNorm)."""

import sys
import time

import numpy as np

HELP = "train an MLP on scikit-learn's digits with fastact.nn (--compare: the classic lessons)"

OPTIMIZERS = ("adam", "sgd")
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.01}  # sgd with momentum 0.9


def add_arguments(parser):
    from ._nets import INIT_CHOICES

    parser.add_argument("--activation", default="relu", help="any registered activation")
    parser.add_argument("--init", default="default", choices=INIT_CHOICES,
                        help="weight initializer (default: fastact.init.recommended for the "
                             "activation, or PyTorch's default)")
    parser.add_argument("--std", type=float, default=0.01,
                        help="std for --init normal (the bound for --init uniform)")
    parser.add_argument("--depth", type=int, default=2, help="hidden layers")
    parser.add_argument("--width", type=int, default=128, help="units per hidden layer")
    parser.add_argument("--batchnorm", action="store_true", help="BatchNorm after each Linear")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout probability")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                        help="adam (lr 1e-3) for a run, sgd (lr 0.01, momentum 0.9) for --compare")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=None, help="20 for a run, 15 for --compare")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--png", metavar="FILE", help="plot the loss and accuracy curves")
    parser.add_argument("--compare", action="store_true",
                        help="train the comparison set at depth 8 and print one table")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch output")


# ---------------------------------------------------------------- data
def load_digits_split(val_fraction=0.2, seed=0):
    """(x_train, y_train, x_val, y_val): the digits shuffled with `seed`, split, and
    standardized per pixel with RunningStats fitted on the training split only (pixels that
    are constant in the training split are only centered)."""
    from sklearn.datasets import load_digits

    import fastact

    data = load_digits()
    x = data.data.astype(np.float64)
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = int(round(len(x) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    stats = fastact.RunningStats(x.shape[1]).update(x[train])
    std = stats.std()
    std[std == 0] = 1.0

    def standardize(a):
        return ((a - stats.mean) / std).astype(np.float32)

    return standardize(x[train]), y[train], standardize(x[val]), y[val]


# ---------------------------------------------------------------- training
def _progress(stream, epoch, done, total, width=30):
    filled = width * done // total
    stream.write(f"\repoch {epoch} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        stream.write("\r" + " " * (width + 30) + "\r")
    stream.flush()


def evaluate(model, loss_fn, x, y):
    """(loss, accuracy) of the model in eval mode."""
    model.eval()
    logits = model(x)
    loss = loss_fn(logits, y)
    model.train()
    return loss, float(np.mean(np.argmax(logits, axis=1) == y))


def make_optimizer(name, model, lr):
    from fastact import nn

    lr = DEFAULT_LR[name] if lr is None else lr
    if name == "sgd":
        return nn.SGD(model, lr=lr, momentum=0.9)
    return nn.Adam(model, lr=lr)


def train(model, data, optimizer, epochs, batch_size=64, seed=0, log=None, progress=None):
    """Mini-batch training with SoftmaxCrossEntropy; returns the history, a dict of lists
    (train_loss, val_loss, val_acc) per epoch. `log(line)` gets one line per epoch;
    `progress` (a stream) gets a progress bar."""
    from fastact import nn

    x_train, y_train, x_val, y_val = data
    loss_fn = nn.SoftmaxCrossEntropy()
    rng = np.random.default_rng(seed + 1)
    history = {"train_loss": [], "val_loss": [], "val_acc": []}
    n = len(x_train)
    batches = (n + batch_size - 1) // batch_size
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for b in range(batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            model.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            model.backward(loss_fn.backward())
            optimizer.step()
            total += loss * len(idx)
            if progress is not None:
                _progress(progress, epoch, b + 1, batches)
        val_loss, val_acc = evaluate(model, loss_fn, x_val, y_val)
        history["train_loss"].append(total / n)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if log is not None:
            log(f"epoch {epoch}  train_loss {total / n:.4f}  val_loss {val_loss:.4f}  "
                f"val_acc {100 * val_acc:.1f}%")
    return history


def plot_history(history, path):
    """Train/validation loss and validation accuracy per epoch, to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], label="train")
    ax1.plot(epochs, history["val_loss"], label="validation")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cross-entropy")
    ax1.legend()
    ax2.plot(epochs, [100 * a for a in history["val_acc"]])
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("validation accuracy (%)")
    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------- comparison
# (label, activation, init, batchnorm) trained at depth 8.
COMPARE_CONFIGS = [
    ("sigmoid", "sigmoid", "default", False),
    ("tanh", "tanh", "default", False),
    ("relu", "relu", "default", False),
    ("gelu", "gelu", "default", False),
    ("selu (lecun_normal)", "selu", "lecun_normal", False),
    ("relu, small random N(0, 0.01)", "relu", "normal", False),
    ("relu, xavier_normal", "relu", "xavier_normal", False),
    ("relu, he (kaiming_normal)", "relu", "he", False),
    ("tanh, small random N(0, 0.01)", "tanh", "normal", False),
    ("tanh, xavier_normal", "tanh", "xavier_normal", False),
    ("relu, small random + BatchNorm", "relu", "normal", True),
    ("sigmoid + BatchNorm", "sigmoid", "default", True),
    ("tanh, small random + BatchNorm", "tanh", "normal", True),
]


def compare(args, data, out=print):
    """Train every COMPARE_CONFIGS row at depth 8; print and return the table rows."""
    from ._nets import Unavailable, build_mlp, init_spec

    epochs = 15 if args.epochs is None else args.epochs
    optimizer = args.optimizer or "sgd"
    lr = DEFAULT_LR[optimizer] if args.lr is None else args.lr
    out(f"depth 8, width {args.width}, {optimizer} (lr {lr}), {epochs} epochs, seed {args.seed}")
    header = f"{'configuration':34s} {'train_loss':>10s} {'val_loss':>9s} {'val_acc':>8s} " \
             f"{'90% at epoch':>12s} {'time':>6s}"
    out(header)
    out("-" * len(header))
    rows = []
    for label, activation, init, bn in COMPARE_CONFIGS:
        try:
            spec = init_spec(init, std=0.01, activation=activation)
            model = build_mlp(64, 10, 8, args.width, activation, spec, bn, args.dropout,
                              rng=args.seed)
        except Unavailable as e:
            out(f"{label:34s} unavailable: {e}")
            rows.append({"config": label, "available": False, "reason": str(e)})
            continue
        t0 = time.perf_counter()
        hist = train(model, data, make_optimizer(optimizer, model, args.lr), epochs,
                     args.batch_size, args.seed)
        dt = time.perf_counter() - t0
        reached = [e for e, a in enumerate(hist["val_acc"], 1) if a >= 0.9]
        row = {"config": label, "available": True, "train_loss": hist["train_loss"][-1],
               "val_loss": hist["val_loss"][-1], "val_acc": hist["val_acc"][-1],
               "epoch_90": reached[0] if reached else None, "seconds": dt}
        rows.append(row)
        out(f"{label:34s} {row['train_loss']:10.4f} {row['val_loss']:9.4f} "
            f"{100 * row['val_acc']:7.1f}% {reached[0] if reached else 'never':>12} {dt:5.1f}s")
    return rows


# ---------------------------------------------------------------- entry point
def blas_single_thread():
    """A context limiting BLAS to one thread (threadpoolctl, when installed): these matrices
    are small, and a multi-threaded BLAS spin-waits on a busy machine (10x slower here)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def run(args):
    with blas_single_thread():
        return _run(args)


def _run(args):
    from ._nets import Unavailable, build_mlp, init_spec

    try:
        data = load_digits_split(args.val_fraction, args.seed)
    except ImportError:
        print("python -m fastact train needs scikit-learn (pip install 'fastact[examples]')",
              file=sys.stderr)
        return 2
    if args.compare:
        compare(args, data)
        return 0
    try:
        spec = init_spec(args.init, args.std, args.activation)
        model = build_mlp(64, 10, args.depth, args.width, args.activation, spec, args.batchnorm,
                          args.dropout, rng=args.seed)
    except Unavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    epochs = 20 if args.epochs is None else args.epochs
    optimizer = make_optimizer(args.optimizer or "adam", model, args.lr)
    if not args.quiet:
        print(model)
    t0 = time.perf_counter()
    history = train(model, data, optimizer, epochs, args.batch_size, args.seed,
                    log=None if args.quiet else print,
                    progress=sys.stderr if not args.quiet and sys.stderr.isatty() else None)
    print(f"final val_acc {100 * history['val_acc'][-1]:.1f}% after {epochs} epochs "
          f"({time.perf_counter() - t0:.1f} s)")
    if args.png:
        try:
            plot_history(history, args.png)
        except ImportError:
            print("--png needs matplotlib (pip install 'fastact[plot]')", file=sys.stderr)
            return 2
        print(f"wrote {args.png}")
    return 0
