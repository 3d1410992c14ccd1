"""The layer base class and the containers: ``Module``, ``Sequential``, ``Flatten``.

A layer holds state only (parameters, their gradients, buffers, what the backward needs);
the math is done by the ``fastact`` kernels or, for matrix products, by numpy.
"""

import numpy as np

__all__ = ["Module", "Sequential", "Flatten"]


class Module:
    """Base class of every layer, with ``torch.nn.Module``'s names.

    Subclasses implement ``forward(x)`` (which keeps in ``self._cache`` what the backward
    needs) and ``backward(grad_output)`` (which returns the gradient with respect to the input
    and *adds* the parameter gradients into ``self.grads``).

    Attributes
    ----------
    params : dict name -> ndarray, the learnable parameters (``weight``, ``bias``, ...).
    grads : dict with the same keys, the accumulated gradients (zeroed by ``zero_grad``).
    buffers : dict name -> ndarray, state that is saved but not learned (``running_mean``, ...).
    training : bool, set by ``train()`` / ``eval()``.
    """

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.buffers = {}
        self.training = True
        self._cache = None

    # ------------------------------------------------------------ to implement
    def forward(self, x):
        """The layer's output for input x."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad_output):
        """Gradient w.r.t. the input of the last forward; adds the parameter gradients."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, x):
        return self.forward(x)

    def _saved(self):
        """What the last forward cached, or RuntimeError when there was none."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward()")
        return self._cache

    # ------------------------------------------------------------ structure
    def children(self):
        """The direct sub-layers (none for a leaf layer)."""
        return []

    def modules(self):
        """This layer and every layer below it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def _add_param(self, name, value):
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)

    def named_parameters(self, prefix=""):
        """Yield (name, param, grad) for every parameter, names as in ``state_dict``."""
        for name, p in self.params.items():
            yield prefix + name, p, self.grads[name]
        for i, child in enumerate(self.children()):
            yield from child.named_parameters(f"{prefix}{i}.")

    def parameters(self):
        """Yield (param, grad) pairs, the arrays an optimizer updates in place."""
        for _, p, g in self.named_parameters():
            yield p, g

    def named_buffers(self, prefix=""):
        """Yield (name, buffer) for every buffer."""
        for name, b in self.buffers.items():
            yield prefix + name, b
        for i, child in enumerate(self.children()):
            yield from child.named_buffers(f"{prefix}{i}.")

    # ------------------------------------------------------------ modes and gradients
    def train(self, mode=True):
        """Set training mode (``mode=False``: evaluation) on this layer and its children."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: BatchNorm uses its running statistics, Dropout is the identity."""
        return self.train(False)

    def zero_grad(self):
        """Set every accumulated gradient to zero (in place)."""
        for _, _, g in self.named_parameters():
            g.fill(0)

    def astype(self, dtype):
        """Convert every parameter, gradient and floating buffer to `dtype`; returns self."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"dtype must be a floating dtype, got {dtype}")
        for m in self.modules():
            for name in m.params:
                m.params[name] = m.params[name].astype(dtype)
                m.grads[name] = m.grads[name].astype(dtype)
            for name, b in m.buffers.items():
                if b.dtype.kind == "f":
                    m.buffers[name] = b.astype(dtype)
            m._cache = None
        return self

    # ------------------------------------------------------------ saving
    def state_dict(self):
        """A dict name -> copy of every parameter and buffer (``0.weight``, ``1.running_mean``)."""
        state = {name: p.copy() for name, p, _ in self.named_parameters()}
        state.update((name, b.copy()) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state, strict=True):
        """Copy arrays from `state` into the parameters and buffers, in place.

        Every array must have the shape of the one it replaces (ValueError naming the key
        otherwise); with ``strict`` the keys must match exactly (missing or unexpected keys are
        a KeyError listing them). Values are cast to the existing arrays' dtypes.
        """
        targets = {name: p for name, p, _ in self.named_parameters()}
        targets.update(self.named_buffers())
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if strict and (missing or unexpected):
            raise KeyError(f"state_dict mismatch: missing keys {missing}, unexpected keys "
                           f"{unexpected}")
        checked = []
        for name, target in targets.items():
            if name not in state:
                continue
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ValueError(f"state_dict[{name!r}] has shape {value.shape}, expected "
                                 f"{target.shape}")
            checked.append((target, value))
        for target, value in checked:  # nothing is written unless every shape is right
            target[...] = value
        return self

    # ------------------------------------------------------------ display
    def extra_repr(self):
        """The arguments shown inside the layer's repr."""
        return ""

    def __repr__(self):
        children = self.children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for i, child in enumerate(children):
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({i}): {body}")
        lines.append(")")
        return "\n".join(lines)


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse.

    Linear layers created without an explicit ``init`` are initialized for the activation that
    follows them (``fastact.init.recommended``, when that module is available; see ``Linear``).
    """

    def __init__(self, *layers):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layer {i} must be a fastact.nn.Module, got "
                                f"{type(layer).__name__}")
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            following = _following_activation(self.layers[i + 1:])
            hook = getattr(layer, "_init_for_activation", None)
            if hook is not None and following is not None:
                hook(following)

    def children(self):
        return self.layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def __iter__(self):
        return iter(self.layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]


def _following_activation(rest):
    """The activation that follows a layer (skipping normalization and dropout): the registry's
    Activation (with its parameters) or a name; None when another weight layer or nothing comes
    first."""
    for layer in rest:
        name = getattr(layer, "activation_name", None)
        if name is not None:
            return getattr(layer, "fn", None) or name
        if layer.params and not getattr(layer, "passes_activation", False):
            return None
    return None


class Flatten(Module):
    """Flatten axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, x):
        x = np.asarray(x)
        nd = x.ndim
        s = self.start_dim % nd if nd else 0
        e = self.end_dim % nd if nd else 0
        if s > e:
            raise ValueError(f"start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                             f"for an input of {nd} dimensions")
        self._cache = x.shape
        return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])

    def backward(self, grad_output):
        return np.asarray(grad_output).reshape(self._saved())

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
