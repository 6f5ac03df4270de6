"""Settings several plugins read the same way: the addresses of the pages they write."""


def read_addresses(plugin, settings, defaults, error):
    """The `*_URL` and `*_SAVE_AS` settings in `defaults` ({key: default}), each checked.

    Every value is a non-empty string, and a `*_SAVE_AS` names a file, so it ends in
    .html; otherwise `error` (the plugin's <Plugin>SettingsError) is raised, quoting the
    value and the default to copy.
    """
    values = {}
    for key, default in defaults.items():
        value = settings.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise error(f"{plugin}: {key} is {value!r}; set it to a non-empty string like {default!r} in pelicanconf.py")
        if key.endswith("SAVE_AS") and not value.endswith(".html"):
            raise error(f"{plugin}: {key} is {value!r}; it names a file and must end in .html, like {default!r}")
        values[key] = value
    return values
