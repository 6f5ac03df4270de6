from .rubriques import register

__all__ = ["register"]
