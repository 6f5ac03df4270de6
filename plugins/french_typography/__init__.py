from .french_typography import plain_text, register, typographize

__all__ = ["register", "typographize", "plain_text"]
