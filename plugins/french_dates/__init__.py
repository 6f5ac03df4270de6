from .french_dates import register

__all__ = ["register"]
