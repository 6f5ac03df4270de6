from .site_map import register

__all__ = ["register"]
