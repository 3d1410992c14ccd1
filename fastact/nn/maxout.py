"""``Maxout``: a linear map to out_features * pieces units, then the max over each group of
`pieces` consecutive units (``fastact.maxout``)."""

import numpy as np

from .activation import _need
from .linear import Linear

__all__ = ["Maxout"]


class Maxout(Linear):
    """y[..., j] = max_k (x @ weight.T + bias)[..., j * pieces + k], k < pieces.

    weight has shape (out_features * pieces, in_features); init, rng and dtype as in
    ``Linear``. The backward routes each output gradient to the winning piece
    (``fastact.maxout_backward``).
    """

    def __init__(self, in_features, out_features, pieces, bias=True, init=None, rng=None,
                 dtype=np.float32):
        pieces = int(pieces)
        if pieces < 1:
            raise ValueError(f"pieces must be >= 1, got {pieces}")
        super().__init__(in_features, out_features * pieces, bias=bias, init=init, rng=rng,
                         dtype=dtype)
        self.pieces = pieces
        self.maxout_features = int(out_features)
        self.activation_name = None

    def _init_for_activation(self, activation):
        pass  # the maxout is its own activation

    def forward(self, x):
        z = super().forward(x)
        y = _need("maxout")(z, self.pieces, axis=-1)
        self._maxout_input = z
        return y

    def backward(self, grad_output):
        gz = _need("maxout_backward")(grad_output, self._maxout_input, self.pieces, axis=-1)
        return super().backward(gz)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.maxout_features}, "
                f"pieces={self.pieces}, bias={'bias' in self.params}")

