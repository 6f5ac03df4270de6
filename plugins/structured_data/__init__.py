from .structured_data import register

__all__ = ["register"]
