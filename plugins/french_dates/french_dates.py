"""Plugin french_dates: placeholder until its issue lands (scaffolding, not a feature)."""


def register():
    pass
