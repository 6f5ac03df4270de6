"""What a plugin needs from the others, declared once and checked when the build starts.

A plugin that reads an attribute another plugin sets (`article.hospitals`, `article.image`,
`article.comments`) says so in its `initialized` receiver:

    NEEDS = {"hospitals": "article.hospitals"}

    def check_settings(pelican):
        require_plugins(pelican, "related_articles", NEEDS)

and the build stops there, with the name of the missing plugin and the fix, instead of
running with guesses (« it may not have run: read the raw front matter instead »).
"""


class PluginDependencyError(SystemExit):
    """PLUGINS lacks a plugin another one needs; the message names both and the fix.

    A SystemExit, like feeds' BuildRefused: Pelican's command line prints any other
    exception with a traceback, this one reaches the terminal as the message alone (exit
    status 1). In-process callers (desk, tests) can still catch it.
    """


def loaded_plugin_names(pelican):
    """Names of the plugins Pelican loaded (`rubriques`, `feeds`, …), from its modules."""
    names = set()
    for plugin in getattr(pelican, "plugins", None) or ():
        name = getattr(plugin, "__name__", str(plugin))
        names.add(name)
        # A plugin given as a module path (`plugins.feeds`, `pelican.plugins.x`) also
        # answers to its last part, the name the other plugins know it by.
        names.add(name.rsplit(".", 1)[-1])
    return names


def require_plugins(pelican, plugin, needs):
    """Raise PluginDependencyError when a plugin in `needs` ({name: what it provides}) is not loaded."""
    loaded = loaded_plugin_names(pelican)
    missing = [name for name in needs if name not in loaded]
    if missing:
        what = ", ".join(f"{name} (for {needs[name]})" for name in missing)
        raise PluginDependencyError(
            f"{plugin}: needs the plugin(s) {what}, which PLUGINS does not load; "
            f"add {', '.join(repr(name) for name in missing)} to PLUGINS in pelicanconf.py, "
            f"or remove {plugin!r} from it"
        )
