"""A two-layer network on a toy problem, trained with fastact's fused backward kernels.

Run: python examples/quickstart.py
"""

import numpy as np

import fastact


def main(steps=300, lr=0.5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((512, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)  # XOR-like quadrants
    w1 = (rng.standard_normal((2, 64)) * np.sqrt(2 / 2)).astype(np.float32)
    w2 = (rng.standard_normal((64, 1)) * np.sqrt(1 / 64)).astype(np.float32)
    for step in range(steps):
        h_pre = x @ w1
        h = fastact.relu(h_pre)
        p = fastact.sigmoid(h @ w2)
        loss = -np.mean(y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7))
        grad_logits = (p - y) / len(x)            # d loss / d (h @ w2) for sigmoid + BCE
        grad_w2 = h.T @ grad_logits
        grad_h = grad_logits @ w2.T
        fastact.relu_backward(grad_h, h_pre, out=grad_h)   # fused, in place
        grad_w1 = x.T @ grad_h
        w1 -= lr * grad_w1
        w2 -= lr * grad_w2
        if step % 100 == 0 or step == steps - 1:
            acc = np.mean((p > 0.5) == (y > 0.5))
            print(f"step {step:4d}  loss {loss:.4f}  accuracy {acc:.1%}")
    return acc


if __name__ == "__main__":
    main()
