"""Plugin article_meta: placeholder until its issue lands (scaffolding, not a feature)."""


def register():
    pass
