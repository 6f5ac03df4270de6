from .article_meta import register

__all__ = ["register"]
