from .french_typography import register

__all__ = ["register"]
