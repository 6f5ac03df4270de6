"""Plugin hospitals: placeholder until its issue lands (scaffolding, not a feature)."""


def register():
    pass
