from .hospitals import register

__all__ = ["register"]
