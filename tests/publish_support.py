"""Helpers for the tests that run `make publish` in process (desk.publish)."""

import io

from desk.publish import PublishError, publish


def run_publish(content, link, settings="publishconf.py"):
    """Publish `content` behind the `link` symlink; (ok, everything printed or refused)."""
    stream = io.StringIO()
    try:
        publish(settings, content, link, stream=stream)
    except PublishError as exc:
        return False, stream.getvalue() + str(exc)
    return True, stream.getvalue()


def publish_once(copy_site, tmp_path, site):
    """Copy the fixture `site`, publish it once to tmp_path/site/output; (content, link)."""
    content = copy_site(site)
    link = tmp_path / "site" / "output"
    link.parent.mkdir()
    ok, log = run_publish(content, link)
    assert ok, log
    return content, link
