"""Helpers shared by the local plugins. Not a Pelican plugin: nothing here is in PLUGINS."""
