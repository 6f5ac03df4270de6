"""A plugin that reads another's attributes says so, and the build stops when that one is missing."""

import subprocess
import sys

import pytest

from desk.build import load_settings
from french_typography.french_typography import typographer_for, typographize
from pouls_common.paths import ROOT, python_path
from pouls_common.plugins import PluginDependencyError

PLUGINS = list(load_settings()["PLUGINS"])


@pytest.mark.parametrize(
    "missing, complaint",
    [
        # The first plugin, in PLUGINS order, that needs the missing one speaks.
        ("french_typography", "article_meta: needs the plugin(s) french_typography (for the typography of source "
                              "labels and transcripts)"),
        ("article_meta", "responsive_images: needs the plugin(s) article_meta (for article.image, the picture "
                         "to copy)"),
        ("hospitals", "related_articles: needs the plugin(s) hospitals (for article.hospitals, a signal of the "
                      "ranking)"),
        ("comments", "feeds: needs the plugin(s) comments (for article.comments, the comment feeds)"),
        ("social_cards", "structured_data: needs the plugin(s) social_cards (for article.share_crops, the "
                         "NewsArticle's images)"),
    ],
)
def test_a_missing_plugin_stops_the_build_before_anything_is_written(build, tmp_path, missing, complaint):
    with pytest.raises(PluginDependencyError) as stopped:
        build("theme-report", overrides={"PLUGINS": [name for name in PLUGINS if name != missing]})
    message = str(stopped.value)
    assert message.startswith(complaint)
    assert f"add '{missing}' to PLUGINS in pelicanconf.py" in message
    assert not (tmp_path / "output-theme-report" / "index.html").exists()


def test_the_command_line_prints_the_message_without_a_traceback(tmp_path):
    settings = tmp_path / "sans_hopitaux.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        "PLUGINS = [name for name in PLUGINS if name != 'hospitals']\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pelican", str(ROOT / "tests" / "sites" / "theme-report"), "-s", str(settings),
         "-o", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, env=python_path(), check=False,
    )
    assert done.returncode == 1
    assert "related_articles: needs the plugin(s) hospitals" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_typography_of_other_plugins_follows_the_setting_not_the_plugin_list():
    text = "Le CHU d'Angers : ouvert !"
    assert typographer_for({"PLUGINS": []})(text) == typographize(text) != text
    assert typographer_for({"FRENCH_TYPOGRAPHY_ENABLED": False})(text) == text
