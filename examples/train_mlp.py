"""Train an MLP on scikit-learn's handwritten digits with fastact.nn.

Run:  python examples/train_mlp.py [--activation gelu] [--batchnorm] [--dropout 0.1] ...
      python examples/train_mlp.py --compare     # depth-8 configurations side by side
(the same as ``python -m fastact train``; needs scikit-learn: pip install 'fastact[examples]').

The loop it runs (fastact/cli/train.py) is the plain numpy training loop::

    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    loss_fn, opt = nn.SoftmaxCrossEntropy(), nn.Adam(model, lr=1e-3)
    for epoch in range(20):
        for idx in batches:
            model.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            model.backward(loss_fn.backward())
            opt.step()
"""

import sys

from fastact.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
