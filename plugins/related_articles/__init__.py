from .related_articles import register

__all__ = ["register"]
