# Normalization launchers (included by _kernels.pyx). Kernels arrive with the normalization issue.
