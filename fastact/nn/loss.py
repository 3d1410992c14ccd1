"""Loss layers: ``loss.forward(pred, target)`` returns the scalar loss, ``loss.backward()`` the
gradient with respect to pred (computed by the same fused call)."""

import fastact

__all__ = ["Loss", "SoftmaxCrossEntropy", "MSELoss"]


class Loss:
    """Base class: ``forward(pred, target) -> float``, ``backward(grad=1.0) -> ndarray``."""

    _function = None

    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction
        self._grad = None

    def forward(self, pred, target):
        """The loss of pred against target (a Python float)."""
        loss, self._grad = type(self)._function(pred, target, reduction=self.reduction)
        return loss

    __call__ = forward

    def backward(self, grad=1.0):
        """d(grad * loss) / d pred for the last forward."""
        if self._grad is None:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward()")
        return self._grad if grad == 1.0 else self._grad * self._grad.dtype.type(grad)

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of softmax(logits) against integer labels (``fastact.softmax_cross_entropy``):
    forward(logits (N, C), labels (N,)); backward() = (softmax(logits) - onehot) / N."""

    _function = staticmethod(fastact.softmax_cross_entropy)


class MSELoss(Loss):
    """Mean squared error (``fastact.mse_loss``): forward(pred, target) of one shape."""

    _function = staticmethod(fastact.mse_loss)
