"""Plugin related_articles: placeholder until its issue lands (scaffolding, not a feature)."""


def register():
    pass
