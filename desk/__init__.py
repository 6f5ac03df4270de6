"""The editor's desk: the command-line tools behind `make new`, `serve`, `check`, `publish`, `deploy`.

Not a plugin of the PLUGINS list. One module, `desk.preview`, is a Pelican plugin
that only preview builds load (desk.serve adds it to their PLUGINS override); the
rest are programs that share the plugins' import path and code (the checks read
article_meta's and related_articles' helpers). See README.md.
"""
