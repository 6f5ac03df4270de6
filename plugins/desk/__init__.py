"""The editor's desk: command-line tools behind the Makefile targets.

Not a Pelican plugin: nothing here is listed in PLUGINS. It lives beside the plugins
because it shares their code (the checks, the comment model) and their import path.
"""
