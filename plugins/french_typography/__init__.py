from .french_typography import plain_text, register, typographer_for, typographize

__all__ = ["register", "typographize", "typographer_for", "plain_text"]
