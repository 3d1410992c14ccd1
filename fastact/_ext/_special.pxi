# Launchers for the non-elementwise activations (included by _kernels.pyx).
