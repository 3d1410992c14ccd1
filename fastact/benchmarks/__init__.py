"""The speed report behind ``python -m fastact bench``: cases built from the op registries,
interleaved timing, tables, charts and the performance targets of the issues."""
