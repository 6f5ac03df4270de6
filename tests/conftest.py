"""Shared fixtures: build a fixture site with the real configuration, parse pages."""

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from desk.build import ROOT, build_site, reset_pelican_state

SITES = Path(__file__).parent / "sites"


@pytest.fixture(autouse=True)
def _fresh_pelican_state():
    reset_pelican_state()
    yield
    reset_pelican_state()


@pytest.fixture
def build(tmp_path):
    """Build `tests/sites/<scenario>/` (or any content folder) into a temp folder.

    Returns the BuildResult; `overrides` change settings for this build only.
    """

    def _build(scenario, overrides=None, settings_file="pelicanconf.py"):
        content = scenario if isinstance(scenario, Path) else SITES / scenario
        output = tmp_path / f"output-{content.name}"
        return build_site(settings_file, content=content, output=output, overrides=overrides)

    return _build


@pytest.fixture
def copy_site(tmp_path):
    """Copy a fixture site into tmp_path so a test can add or edit one file."""

    def _copy(scenario):
        target = tmp_path / f"content-{scenario}"
        shutil.copytree(SITES / scenario, target)
        return target

    return _copy


def soup(path):
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory):
    """The real content/ built once per session with the development settings."""
    reset_pelican_state()
    output = tmp_path_factory.mktemp("sample-site")
    result = build_site("pelicanconf.py", content=ROOT / "content", output=output)
    reset_pelican_state()
    return result


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory):
    """The real content/ built once per session with publishconf.py, as it goes online (read only)."""
    reset_pelican_state()
    result = build_site("publishconf.py", content=ROOT / "content", output=tmp_path_factory.mktemp("published-sample"))
    reset_pelican_state()
    return result


@pytest.fixture(scope="session")
def site_once(tmp_path_factory):
    """Build a fixture site once per session and share the result between tests.

    `site_once("theme-report")` or `site_once("theme-listing", {"DEFAULT_PAGINATION": 2})`;
    tests must only read the output. Builds with the same arguments are made once.
    """
    results = {}

    def _build(scenario, overrides=None, settings_file="pelicanconf.py"):
        key = (scenario, repr(sorted((overrides or {}).items())), settings_file)
        if key not in results:
            reset_pelican_state()
            output = tmp_path_factory.mktemp(f"once-{scenario}")
            results[key] = build_site(settings_file, content=SITES / scenario, output=output, overrides=overrides)
            reset_pelican_state()
        return results[key]

    return _build
