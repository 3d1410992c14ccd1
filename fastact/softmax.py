"""(placeholder: filled by the issue that adds these functions)"""

__all__ = []
