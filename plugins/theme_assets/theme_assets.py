"""Plugin theme_assets: the one way templates name the theme's static files.

Templates write `{{ static_url('css/screen.css') }}`, never a hand-made
`{{ SITEURL }}/theme/...` path, so that where the files go (and what they are
called) is decided here once.
"""

from pelican import signals


def static_url_for(settings):
    """The `static_url(path)` function templates call, for these settings."""
    base = f"{settings.get('SITEURL', '')}/{settings.get('THEME_STATIC_DIR', 'theme')}"

    def static_url(path):
        return f"{base}/{path.lstrip('/')}"

    return static_url


def add_static_url(generator):
    """Give every template `static_url()`."""
    generator.env.globals["static_url"] = static_url_for(generator.settings)


def register():
    # generator_init: each generator builds its own Jinja environment before rendering.
    signals.generator_init.connect(add_static_url)
