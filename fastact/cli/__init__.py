"""Subcommands of ``python -m fastact`` (see fastact/__main__.py)."""
