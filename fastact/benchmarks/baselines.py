"""Straightforward numpy versions of the ops, written the way a user would (ufunc chains with
out= where numpy allows it). Speed baselines only; the test oracle lives in tests/."""

import numpy as np


def relu(x, out):
    return np.maximum(x, 0, out=out)


def relu_backward(g, x, out):
    return np.multiply(g, x > 0, out=out)


def sigmoid(x, out):
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def sigmoid_backward(g, x, out):
    s = sigmoid(x, out)
    t = 1 - s
    out *= t
    out *= g
    return out


FORWARD = {"relu": relu, "sigmoid": sigmoid}
BACKWARD = {"relu": relu_backward, "sigmoid": sigmoid_backward}
