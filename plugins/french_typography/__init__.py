from .french_typography import plain_text, register, typographer_for, typographize

__all__ = ["plain_text", "register", "typographer_for", "typographize"]
