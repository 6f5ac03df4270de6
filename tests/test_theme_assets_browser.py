"""theme_assets in headless Chromium: the minified stylesheets style pages exactly as the sources do.

The same site is built twice, THEME_ASSETS_MINIFY on and off, and both are served on
127.0.0.1. Chromium parses each page's stylesheets into the same rules and computes
the same styles for the page hooks, in light and dark schemes, on a phone and in
print. The JavaScript is exercised minified by the other browser tests (search,
share links, live reload), which run on the default build.
"""

import json

import pytest

from browser import chromium, chromium_available, recorded_page, serve_directory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is missing at /usr/bin/chromium; run make test"),
]

REPORT = "/hematologie/reunion-visio/"
HOOKS = ["body", "main h1", ".standfirst", "time[datetime]", "aside.related-articles", "#commentaires", ".site-footer"]
# Every rule of every stylesheet, as Chromium parsed it (the CSSOM's own serialisation).
RULES = """() => [...document.styleSheets].map(sheet => ({
    href: sheet.href, media: sheet.media.mediaText, rules: [...sheet.cssRules].map(rule => rule.cssText)}))"""
# Every computed property of the elements named.
COMPUTED = """selectors => Object.fromEntries(selectors.map(selector => {
    const element = document.querySelector(selector);
    if (!element) return [selector, null];
    const style = getComputedStyle(element);
    return [selector, Object.fromEntries([...style].map(name => [name, style.getPropertyValue(name)]))];
}))"""
# Used values of the box's size, and the origins placed from it: they follow the layout,
# which moves while lazy pictures and fonts arrive (seen once under load: body height),
# not the stylesheet. The rules themselves are compared exactly above them.
LAYOUT = {"height", "width", "block-size", "inline-size", "perspective-origin", "transform-origin"}
VIEWS = {
    "light": {"width": 1280, "color_scheme": "light", "media": "screen"},
    "dark": {"width": 1280, "color_scheme": "dark", "media": "screen"},
    "phone-dark": {"width": 360, "color_scheme": "dark", "media": "screen"},
    "print": {"width": 1280, "color_scheme": "light", "media": "print"},
}


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    from conftest import SITES
    from desk.build import build_site, reset_pelican_state

    built = {}
    for minify in (True, False):
        result = build_site("pelicanconf.py", content=SITES / "theme-report",
                            output=tmp_path_factory.mktemp(f"minify-{minify}"),
                            overrides={"THEME_ASSETS_MINIFY": minify})
        assert result.errors == []
        built[minify] = result.output
    reset_pelican_state()
    with serve_directory(built[True]) as minified, serve_directory(built[False]) as plain:
        yield {"minified": (minified, built[True]), "plain": (plain, built[False])}


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def look(browser, base, view):
    with recorded_page(browser, javascript=True, width=view["width"]) as tab:
        tab.page.emulate_media(color_scheme=view["color_scheme"], media=view["media"])
        assert tab.page.goto(base + REPORT).status == 200
        return tab.page.evaluate(RULES), tab.page.evaluate(COMPUTED, HOOKS)


def test_the_pages_load_the_minified_stylesheets(sites):
    for name, (_, output) in sites.items():
        manifest = json.loads((output / "theme" / "assets.json").read_text(encoding="utf-8"))
        served = (output / "theme" / manifest["css/screen.css"]).stat().st_size
        source = (output / "theme" / "css" / "screen.css").stat().st_size
        assert (served < source) if name == "minified" else (served == source), name


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_minified_stylesheets_give_the_same_rules_and_computed_styles(sites, browser, view):
    (minified_base, minified_output), (plain_base, _) = sites["minified"], sites["plain"]
    minified_sheets, minified_styles = look(browser, minified_base, VIEWS[view])
    plain_sheets, plain_styles = look(browser, plain_base, VIEWS[view])

    manifest = json.loads((minified_output / "theme" / "assets.json").read_text(encoding="utf-8"))
    assert [sheet["href"] for sheet in minified_sheets] == [
        f"{minified_base}/theme/{manifest['css/screen.css']}", f"{minified_base}/theme/{manifest['css/print.css']}",
    ]
    assert all(sheet["rules"] for sheet in minified_sheets)
    assert [(s["media"], s["rules"]) for s in minified_sheets] == [(s["media"], s["rules"]) for s in plain_sheets]

    assert all(minified_styles[hook] for hook in HOOKS), [hook for hook in HOOKS if not minified_styles[hook]]
    for hook in HOOKS:
        differing = {name for name in plain_styles[hook]
                     if name not in LAYOUT and plain_styles[hook][name] != minified_styles[hook].get(name)}
        assert not differing, (view, hook, sorted(differing)[:10])


def test_the_views_compared_do_differ_so_the_comparison_covers_the_media_queries(sites, browser):
    base = sites["minified"][0]
    body = {view: look(browser, base, VIEWS[view])[1]["body"] for view in VIEWS}
    assert body["light"]["background-color"] != body["dark"]["background-color"]
    assert body["print"] != body["light"]
    headings = {view: look(browser, base, VIEWS[view])[1]["main h1"]["font-size"] for view in ("dark", "phone-dark")}
    assert headings["dark"] != headings["phone-dark"]
