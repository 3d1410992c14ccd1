"""Normalization layers over ``fastact.batch_norm`` / ``layer_norm`` / ``group_norm``:
``BatchNorm``, ``LayerNorm``, ``GroupNorm``, with PyTorch's parameters and buffers."""

import numpy as np

import fastact

from .module import Module

__all__ = ["BatchNorm", "LayerNorm", "GroupNorm"]


class _Normalization(Module):
    passes_activation = True  # a Linear before it is initialized for the activation after it

    def _affine_params(self, shape, dtype):
        self._add_param("weight", np.ones(shape, dtype=dtype))
        self._add_param("bias", np.zeros(shape, dtype=dtype))

    def _accumulate(self, gw, gb):
        if self.params:
            self.grads["weight"] += gw.astype(self.grads["weight"].dtype, copy=False)
            self.grads["bias"] += gb.astype(self.grads["bias"].dtype, copy=False)


class BatchNorm(_Normalization):
    """Batch normalization over every axis except the channel `axis`, optionally fused with a
    piecewise-linear activation (``fastact.NORM_ACTIVATIONS``: 'relu', 'relu6', 'leaky_relu',
    'hardtanh', or a (name, *params) tuple).

    y = act((x - mean) / sqrt(var + eps) * weight + bias). Training uses the batch statistics
    and updates running_mean / running_var: running = (1 - m) * running + m * batch (unbiased
    var), m = momentum, or m = 1 / num_batches_tracked when momentum is None (a cumulative
    average). Evaluation uses the running statistics (the batch's when
    track_running_stats=False).

    Parameters: num_features (C), axis=1 (NCHW / (N, C); -1 for NHWC), eps=1e-5,
    momentum=0.1, affine=True (weight, bias of shape (C,)), track_running_stats=True (buffers
    running_mean, running_var, num_batches_tracked), activation=None, dtype=float32.
    """

    def __init__(self, num_features, axis=1, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, activation=None, dtype=np.float32):
        super().__init__()
        self.num_features = int(num_features)
        if self.num_features < 1:
            raise ValueError(f"num_features must be >= 1, got {num_features}")
        self.axis = axis
        self.eps = float(eps)
        if momentum is not None and not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"momentum must be None or in [0, 1], got {momentum}")
        self.momentum = momentum
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        fastact.normalization._activation(activation)  # ValueError/TypeError now, not at forward
        self.activation = activation
        self.activation_name = (activation if isinstance(activation, str)
                                else activation[0] if activation else None)
        if self.affine:
            self._affine_params(self.num_features, dtype)
        if self.track_running_stats:
            self.buffers["running_mean"] = np.zeros(self.num_features, dtype=dtype)
            self.buffers["running_var"] = np.ones(self.num_features, dtype=dtype)
            self.buffers["num_batches_tracked"] = np.zeros((), dtype=np.int64)

    def forward(self, x):
        w, b = self.params.get("weight"), self.params.get("bias")
        use_batch = self.training or not self.track_running_stats
        rm, rv = self.buffers.get("running_mean"), self.buffers.get("running_var")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.buffers["num_batches_tracked"] += 1
            if momentum is None:
                momentum = 1.0 / float(self.buffers["num_batches_tracked"])
        y, mean, invstd = fastact.batch_norm(
            x, w, b, rm, rv, training=use_batch, momentum=0.0 if momentum is None else momentum,
            eps=self.eps, axis=self.axis, activation=self.activation)
        self._cache = (x, mean, invstd, use_batch)
        return y

    def backward(self, grad_output):
        x, mean, invstd, use_batch = self._saved()
        gx, gw, gb = fastact.batch_norm_backward(
            grad_output, x, self.params.get("weight"), mean, invstd, axis=self.axis,
            training=use_batch, activation=self.activation, bias=self.params.get("bias"))
        self._accumulate(gw, gb)
        return gx

    def extra_repr(self):
        s = (f"{self.num_features}, axis={self.axis}, eps={self.eps}, "
             f"momentum={self.momentum}, affine={self.affine}, "
             f"track_running_stats={self.track_running_stats}")
        return s + (f", activation={self.activation!r}" if self.activation else "")


class LayerNorm(_Normalization):
    """Layer normalization over the trailing axes given by `normalized_shape`:
    y = (x - mean) / sqrt(var + eps) * weight + bias, weight and bias of normalized_shape
    (when elementwise_affine)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, dtype=np.float32):
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        if not self.normalized_shape or min(self.normalized_shape) < 1:
            raise ValueError(f"normalized_shape must be positive ints, got {normalized_shape}")
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self._affine_params(self.normalized_shape, dtype)

    def forward(self, x):
        x = np.asarray(x)
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k:] != self.normalized_shape or x.ndim < k:
            raise ValueError(f"LayerNorm expected input (*, *{self.normalized_shape}), got "
                             f"shape {x.shape}")
        y, mean, invstd = fastact.layer_norm(x, k, self.params.get("weight"),
                                             self.params.get("bias"), eps=self.eps)
        self._cache = (x, mean, invstd)
        return y

    def backward(self, grad_output):
        x, mean, invstd = self._saved()
        gx, gw, gb = fastact.layer_norm_backward(grad_output, x, self.params.get("weight"),
                                                 mean, invstd, len(self.normalized_shape))
        self._accumulate(gw, gb)
        return gx

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(_Normalization):
    """Group normalization of (N, C, *spatial) input: each sample's `num_groups` groups of
    C / num_groups channels normalized over their channels and positions, then a per-channel
    affine map (weight, bias of shape (C,), when affine)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=np.float32):
        super().__init__()
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        if self.num_groups < 1 or self.num_channels % self.num_groups:
            raise ValueError(f"num_groups={num_groups} must be >= 1 and divide "
                             f"num_channels={num_channels}")
        self.eps = float(eps)
        self.affine = bool(affine)
        if self.affine:
            self._affine_params(self.num_channels, dtype)

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm expected input (N, {self.num_channels}, ...), got "
                             f"shape {x.shape}")
        y, mean, invstd = fastact.group_norm(x, self.num_groups, self.params.get("weight"),
                                             self.params.get("bias"), eps=self.eps)
        self._cache = (x, mean, invstd)
        return y

    def backward(self, grad_output):
        x, mean, invstd = self._saved()
        gx, gw, gb = fastact.group_norm_backward(grad_output, x, self.params.get("weight"),
                                                 mean, invstd, self.num_groups)
        self._accumulate(gw, gb)
        return gx

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
