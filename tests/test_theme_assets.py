"""theme_assets: theme files get names that change with their bytes, and every page names those."""

import hashlib
import json
import re
import shutil
from urllib.parse import urlsplit

import pytest
import rcssmin
import rjsmin

from comments.service import CommentService, ServiceConfig
from comments_support import index_of, service_env
from conftest import soup
from desk.build import ROOT
from theme_assets.theme_assets import (
    ThemeAssetsSettingsError,
    fingerprinted_name,
    static_url_from_manifest,
    theme_manifest,
)

FINGERPRINTED = re.compile(r"^/theme/(.+)\.([0-9a-f]{12})(\.[a-z0-9]+)$")
STATIC = ROOT / "theme" / "static"


def minified(relative):
    """What the minifiers make of a theme source, called here the way the README says."""
    data = (STATIC / relative).read_bytes()
    if relative.endswith(".css"):
        return rcssmin.cssmin(data, keep_bang_comments=True)
    if relative.endswith(".js"):
        return rjsmin.jsmin(data, keep_bang_comments=True)
    return data


def _strings(data):
    """Every string inside a JSON value."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def theme_addresses(output):
    """Every /theme/… address an HTML page of the build names, with the page.

    Links, scripts and images, and what pages say about themselves to other programs:
    the absolute addresses of `<meta content>` (Open Graph) and of the JSON-LD data
    (the publisher's logo, the site's share cards), reduced to their path.
    """
    found = []
    for page in sorted(output.rglob("*.html")):
        html = soup(page)
        addresses = [node.get("href") or node.get("src") for node in html.select("link[href], script[src], img[src]")]
        addresses += [node["content"] for node in html.select("meta[content]")]
        for script in html.select('script[type="application/ld+json"]'):
            addresses += list(_strings(json.loads(script.string)))
        for address in addresses:
            path = urlsplit(address).path if address.startswith(("http://", "https://")) else address
            if path.startswith("/theme/"):
                found.append((page.relative_to(output), path))
    return found


def test_every_theme_file_a_page_names_is_fingerprinted_and_holds_those_bytes(site_once):
    result = site_once("theme-report")
    addresses = theme_addresses(result.output)
    assert {address for _, address in addresses} >= {
        a for a in (f"/theme/{n}" for n in theme_manifest(result.settings).values()) if not a.endswith(".js")
    }
    for page, address in addresses:
        match = FINGERPRINTED.match(address)
        assert match, (page, address)
        served = (result.output / address.lstrip("/")).read_bytes()
        assert hashlib.sha256(served).hexdigest()[:12] == match.group(2), address
        assert served == minified(f"{match.group(1)}{match.group(3)}"), address


def test_the_served_css_and_javascript_are_minified_and_smaller(site_once):
    result = site_once("theme-report")
    manifest = json.loads((result.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    code = sorted(name for name in manifest if name.endswith((".css", ".js")))
    assert code == ["css/print.css", "css/screen.css", "js/livereload.js", "js/search.js", "js/share.js"]
    for relative in code:
        served = (result.output / "theme" / manifest[relative]).read_bytes()
        assert served == minified(relative), relative
        assert len(served) < 0.9 * (STATIC / relative).stat().st_size, relative
        assert b"/*" not in served, relative


def test_the_manifest_lists_every_theme_file_and_the_plain_copies_stay_as_written(site_once):
    result = site_once("theme-report")
    manifest = json.loads((result.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    sources = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())
    assert sorted(manifest) == sources
    for plain, named in manifest.items():
        assert (result.output / "theme" / plain).read_bytes() == (STATIC / plain).read_bytes(), plain
        assert (result.output / "theme" / named).read_bytes() == minified(plain), named


def test_without_minifying_the_served_files_are_the_sources(site_once):
    result = site_once("theme-report", overrides={"THEME_ASSETS_MINIFY": False})
    manifest = json.loads((result.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    for relative, named in manifest.items():
        source = (STATIC / relative).read_bytes()
        assert named == fingerprinted_name(relative, source)
        assert (result.output / "theme" / named).read_bytes() == source, named
    minified_names = json.loads((site_once("theme-report").output / "theme" / "assets.json").read_text("utf-8"))
    assert manifest["css/screen.css"] != minified_names["css/screen.css"]
    assert manifest["img/logo-pouls.png"] == minified_names["img/logo-pouls.png"]


def test_an_already_minified_file_is_served_as_shipped(build, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    shipped = {
        "js/vendor.min.js": b"/* shipped */\nvar  vendor = 1 ;\n",
        "css/vendor.min.css": b"/* shipped */\n.vendor  { color : red ; }\n",
    }
    for relative, data in shipped.items():
        (theme / "static" / relative).write_bytes(data)
    result = build("desk-publish", overrides={"THEME": str(theme)})
    manifest = json.loads((result.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    for relative, data in shipped.items():
        assert manifest[relative] == fingerprinted_name(relative, data)
        assert (result.output / "theme" / manifest[relative]).read_bytes() == data
    # The theme's own files beside them are minified all the same.
    assert (result.output / "theme" / manifest["js/share.js"]).read_bytes() == minified("js/share.js")


def test_url_and_import_of_a_minified_stylesheet_still_name_files_beside_it(build, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    screen = theme / "static" / "css" / "screen.css"
    screen.write_text(
        '@import url("print.css") print;\n'
        + screen.read_text(encoding="utf-8")
        + '\n.marque { background: url( "../img/logo-pouls.png" ) no-repeat; }\n'
        + ".icone { background-image: url(../img/favicon.svg); }\n",
        encoding="utf-8",
    )
    result = build("desk-publish", overrides={"THEME": str(theme)})
    manifest = json.loads((result.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    served = result.output / "theme" / manifest["css/screen.css"]
    text = served.read_text(encoding="utf-8")
    assert text.startswith('@import url("print.css") print;')
    targets = re.findall(r"url\(\s*[\"']?([^\"')]+)", text)
    assert sorted(targets) == ["../img/favicon.svg", "../img/logo-pouls.png", "print.css"]
    for target in targets:
        assert (served.parent / target).resolve().is_file(), target


def test_a_bad_minify_setting_stops_the_build_with_the_value_and_the_fix(build, tmp_path):
    with pytest.raises(ThemeAssetsSettingsError) as error:
        build("desk-publish", overrides={"THEME_ASSETS_MINIFY": "non"})
    assert str(error.value) == (
        "theme_assets: THEME_ASSETS_MINIFY is 'non'; set it to True (serve the theme's CSS and "
        "JavaScript minified, the default) or False (serve them as written) in pelicanconf.py"
    )
    output = tmp_path / "output-desk-publish"
    assert not output.exists() or not any(output.iterdir())


def test_two_builds_give_the_same_names_and_bytes(build, tmp_path):
    first = build("desk-publish")
    again = first.output.with_name("again")
    first.output.rename(again)
    second = build("desk-publish")
    for name in ("index.html", "theme/assets.json"):
        assert (again / name).read_bytes() == (second.output / name).read_bytes()
    theme = sorted(p.relative_to(again) for p in (again / "theme").rglob("*") if p.is_file())
    assert theme == sorted(p.relative_to(second.output) for p in (second.output / "theme").rglob("*") if p.is_file())
    for name in theme:
        assert (again / name).read_bytes() == (second.output / name).read_bytes(), name


def test_a_changed_stylesheet_gets_a_new_name_and_an_unchanged_one_keeps_its_own(build, tmp_path):
    before = build("desk-publish")
    old = json.loads((before.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    screen = theme / "static" / "css" / "screen.css"
    screen.write_text(screen.read_text(encoding="utf-8") + "\n.nouvelle-regle { color: #8c1c3c; }\n", encoding="utf-8")
    shutil.rmtree(before.output)
    after = build("desk-publish", overrides={"THEME": str(theme)})
    new = json.loads((after.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    assert new["css/screen.css"] != old["css/screen.css"]
    assert new["css/print.css"] == old["css/print.css"]
    stylesheet = soup(after.output / "index.html").select_one('link[rel="stylesheet"]:not([media])')["href"]
    assert stylesheet == f"/theme/{new['css/screen.css']}"
    assert b".nouvelle-regle" in (after.output / stylesheet.lstrip("/")).read_bytes()


def test_ignored_files_of_the_theme_get_no_name(tmp_path):
    theme = tmp_path / "theme"
    (theme / "static" / "css").mkdir(parents=True)
    (theme / "static" / "css" / "screen.css").write_text("body { margin: 0; }\n", encoding="utf-8")
    (theme / "static" / "css" / "screen.css~").write_text("old\n", encoding="utf-8")
    manifest = theme_manifest({"THEME": str(theme), "THEME_STATIC_PATHS": ["static"], "IGNORE_FILES": ["*~"]})
    assert manifest == {"css/screen.css": fingerprinted_name("css/screen.css", b"body{margin:0}")}


def test_a_template_naming_a_missing_theme_file_fails_the_build_with_the_name(build, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("css/print.css", "css/imprime.css"), encoding="utf-8")
    result = build("desk-publish", overrides={"THEME": str(theme)})
    assert result.errors
    assert result.errors[0].startswith("theme_assets: static_url('css/imprime.css') names no file of the theme; "
                                       "put it under theme/static/ (css/print.css, css/screen.css")


def test_the_comment_service_pages_name_the_fingerprinted_stylesheet(site_once, tmp_path):
    result = site_once("comments-basic")
    manifest = json.loads((result.output / "theme" / "assets.json").read_text(encoding="utf-8"))
    app = CommentService(ServiceConfig.from_env(service_env(tmp_path / "q.sqlite3", index_of(result.output))))
    body = app.page(200, "message.html", title="Essai", message="Un message.").body.decode("utf-8")
    assert f'href="http://127.0.0.1:8000/theme/{manifest["css/screen.css"]}"' in body


def test_without_a_manifest_the_service_falls_back_to_the_plain_name(tmp_path):
    static_url = static_url_from_manifest(tmp_path / "donnees" / "commentaires.json", "https://pouls.example.fr/")
    assert static_url("css/screen.css") == "https://pouls.example.fr/theme/css/screen.css"
