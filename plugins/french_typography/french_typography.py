"""Plugin french_typography: placeholder until its issue lands (scaffolding, not a feature)."""


def register():
    pass
