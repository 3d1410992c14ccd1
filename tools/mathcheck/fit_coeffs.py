"""Derive the polynomial coefficients of fa_math.h (exp, expm1, tanh, log1p, erfc) with mpmath's
Chebyshev fit (near-minimax), at 40 digits. Needs mpmath (a tool-time dependency only).

    python3 tools/mathcheck/fit_coeffs.py

Prints each fit's coefficients, highest degree first (Horner order), and its max error.
"""
import mpmath as mp

mp.mp.dps = 40
LN2_2 = mp.log(2) / 2
S_MAX = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)   # |s| bound of log1p's s = f / (2 + f)


def exp_tail(r):        # e^r = 1 + r + r^2 * P(r)
    if abs(r) < mp.mpf("1e-8"):
        return mp.mpf(1) / 2 + r / 6 + r * r / 24
    return (mp.exp(r) - 1 - r) / r**2


def expm1_tail(r):      # expm1(r) = r + r^2/2 + r^3 * P(r)
    if abs(r) < mp.mpf("1e-8"):
        return mp.mpf(1) / 6 + r / 24 + r * r / 120
    return (mp.expm1(r) - r - r * r / 2) / r**3


def tanh_tail(z):       # tanh(x) = x + x^3 * Q(x^2)
    if z < mp.mpf("1e-16"):
        return -mp.mpf(1) / 3 + 2 * z / 15
    x = mp.sqrt(z)
    return (mp.tanh(x) - x) / x**3


def log_tail(z):        # 2 atanh(s) = 2 s + s * z * G(z), z = s^2
    if z < mp.mpf("1e-16"):
        return mp.mpf(2) / 3 + 2 * z / 5
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z


def erf_tail(z):        # erf(x) = x * E(x^2) for |x| <= 1/2
    if z < mp.mpf("1e-16"):
        return 2 / mp.sqrt(mp.pi) * (1 - z / 3)
    x = mp.sqrt(z)
    return mp.erf(x) / x


def erfc_kernel(L):     # erfc(x) = exp(-x^2) * 2 / (1 + 2x) * K(Y), Y = (x - L) / (x + L)
    def k(y):
        if y >= 1:
            return 1 / mp.sqrt(mp.pi)
        x = L * (1 + y) / (1 - y)
        return mp.erfc(x) * mp.exp(x * x) * (1 + 2 * x) / 2
    return k


def gelu_tail_kernel(L):  # Phi(-a) e^(a^2/2) = erfcx(a/sqrt2)/2 = H(Y) / (a + L), Y = (a-L)/(a+L)
    def h(y):
        if y >= 1:
            return 1 / mp.sqrt(2 * mp.pi)
        a = L * (1 + y) / (1 - y)
        return mp.erfc(a / mp.sqrt(2)) * mp.exp(a * a / 2) / 2 * (a + L)
    return h


FITS = [
    ("exp f32", exp_tail, [-LN2_2, LN2_2], 5),
    ("expm1 f32", expm1_tail, [-LN2_2, LN2_2], 5),
    ("expm1 f64", expm1_tail, [-LN2_2, LN2_2], 10),
    ("tanh f32", tanh_tail, [0, mp.mpf("0.5625") ** 2], 6),
    ("tanh f64", tanh_tail, [0, mp.mpf("0.5625") ** 2], 13),
    ("log1p f32", log_tail, [0, S_MAX**2], 3),
    ("log1p f64", log_tail, [0, S_MAX**2], 7),
    ("erf f32", erf_tail, [0, mp.mpf(1) / 4], 6),
    ("erf f64", erf_tail, [0, mp.mpf(1) / 4], 11),
    ("erfc f32 L=3", erfc_kernel(mp.mpf(3)), [-1, 1], 13),
    ("erfc f64 L=3.5", erfc_kernel(mp.mpf("3.5")), [-1, 1], 25),
    ("gelu tail f32 L=4", gelu_tail_kernel(mp.mpf(4)), [-1, 1], 13),
    ("gelu tail f64 L=5", gelu_tail_kernel(mp.mpf(5)), [-1, 1], 25),
]

if __name__ == "__main__":
    for name, f, interval, n in FITS:
        c, err = mp.chebyfit(f, interval, n, error=True)
        print(f"{name}: {n} coefficients, max abs error {mp.nstr(err, 3)}")
        print("  " + ", ".join(mp.nstr(v, 21, min_fixed=-50, max_fixed=50) for v in c))
