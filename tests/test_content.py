"""The sample content in content/: what every report and page must carry.

These tests read the Markdown sources (front matter and body) and the real site
built once from them (`sample_site`). They protect the editorial contract of
DESIGN.md: required keys, one spelling per tag, images with alt text and credit,
a standfirst never repeated in the body, no report dated in the future, clean and
frozen slugs, and legal pages that say what the law and our readers expect.
"""

import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from pelican.urlwrappers import Tag
from pelican.utils import slugify
from PIL import Image

from conftest import soup
from desk.build import ROOT, load_settings

CONTENT = ROOT / "content"
ARTICLES = CONTENT / "articles"
PAGES = CONTENT / "pages"

REQUIRED_KEYS = ("Title", "Date", "Authors", "Summary", "Hospitals", "Region")
KNOWN_KEYS = {
    "Title", "Date", "Modified", "Authors", "Tags", "Summary", "Status", "Comments",
    "Image", "ImageAlt", "ImageCredit", "Sources", "Video", "Transcript", "Region",
    "Related", "Hospitals", "Slug", "VideoFile", "VideoPoster", "VideoCaptions",
}
# Left untagged on purpose: related-articles ranking must still find their neighbours.
UNTAGGED = {"hopital-de-jour-myelome", "regulation-samu-nuit"}
LEGAL_PAGES = {"a-propos", "charte-editoriale", "mentions-legales", "confidentialite", "accessibilite"}
EARLIEST = date(2025, 1, 1)
LATEST = date(2026, 12, 1)
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
META_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*):\s*(?P<value>.*)$")
SUMMARY_MAX = 300
# The illustrations are 2 400 px wide so their 1:1 share crop can be 1 200 px
# (tools/draw_sample_images.py); pages show 480, 800 or 1 200 px copies of them.
IMAGE_MAX_BYTES = 64_000


class Source:
    """One Markdown file: its front matter (key → (line, value)) and its body."""

    def __init__(self, path):
        self.path = path
        self.slug = path.stem
        self.rubrique = path.parent.name
        lines = path.read_text(encoding="utf-8").split("\n")
        self.meta, self.duplicates = {}, []
        index = 0
        while index < len(lines) and lines[index].strip():
            match = META_RE.match(lines[index])
            assert match, f"{self.rel}:{index + 1}: not a `Key: value` header line: {lines[index]!r}"
            key = match.group("key")
            if key in self.meta:
                self.duplicates.append(key)
            self.meta[key] = (index + 1, match.group("value").strip())
            index += 1
        self.body = "\n".join(lines[index:]).strip()

    @property
    def rel(self):
        return self.path.relative_to(ROOT).as_posix()

    def get(self, key, default=None):
        return self.meta[key][1] if key in self.meta else default

    def where(self, key):
        return f"{self.rel}:{self.meta[key][0]}" if key in self.meta else self.rel

    def list(self, key):
        value = self.get(key, "")
        separator = ";" if ";" in value else ","
        return [item.strip() for item in value.split(separator) if item.strip()]

    def date(self, key):
        return datetime.fromisoformat(self.get(key)).date()

    def paragraphs(self):
        return [block.strip() for block in re.split(r"\n\s*\n", self.body) if block.strip()]


def normalise(text):
    """Fold what differs between two copies of one sentence: quotes, spaces, case, markup."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("*", "")
    return re.sub(r"\s+", " ", text).strip().lower()


def words(markdown):
    return len(re.findall(r"\w+(?:['’-]\w+)*", re.sub(r"\]\([^)]*\)", "]", markdown)))


REPORTS = [Source(path) for path in sorted(ARTICLES.glob("*/*.md"))]
PAGE_SOURCES = [Source(path) for path in sorted(PAGES.glob("*.md"))]
ids = [report.slug for report in REPORTS]


@pytest.fixture(scope="module")
def settings():
    return load_settings("pelicanconf.py", content=CONTENT)


def report_page(sample_site, report):
    return sample_site.output / report.rubrique / report.slug / "index.html"


def test_sample_content_builds_without_warning_or_error(sample_site):
    assert sample_site.errors == []
    assert sample_site.warnings == []


def test_there_are_at_least_eighteen_reports():
    assert len(REPORTS) >= 18, [report.slug for report in REPORTS]


@pytest.mark.parametrize("report", REPORTS, ids=ids)
def test_report_has_every_required_key(report):
    missing = [key for key in REQUIRED_KEYS if not report.get(key)]
    assert missing == [], f"{report.rel}: add {', '.join(missing)} to the front matter"
    assert report.duplicates == [], f"{report.rel}: {report.duplicates} given twice"
    unknown = sorted(set(report.meta) - KNOWN_KEYS)
    assert unknown == [], f"{report.rel}: unknown keys {unknown}; see DESIGN.md « Content model »"


def test_only_the_deliberately_untagged_reports_have_no_tags():
    untagged = {report.slug for report in REPORTS if not report.list("Tags")}
    assert untagged == UNTAGGED


def test_every_tag_has_one_spelling_and_is_shared(settings):
    spellings, uses = defaultdict(set), Counter()
    for report in REPORTS:
        for tag in report.list("Tags"):
            spellings[Tag(tag, settings).slug].add(tag)
            uses[tag] += 1
    assert {slug: names for slug, names in spellings.items() if len(names) > 1} == {}
    assert [tag for tag, count in uses.items() if count < 2] == []


def test_every_hospital_has_one_spelling(settings):
    spellings = defaultdict(set)
    for report in REPORTS:
        for hospital in report.list("Hospitals"):
            key = slugify(hospital.replace("’", " ").replace("'", " "), regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"])
            spellings[key].add(hospital)
    assert {key: names for key, names in spellings.items() if len(names) > 1} == {}
    assert len(spellings) >= 10


def test_different_topics_share_hospitals_as_traps_for_related_articles():
    rubriques_by_hospital = defaultdict(set)
    for report in REPORTS:
        for hospital in report.list("Hospitals"):
            rubriques_by_hospital[hospital].add(report.rubrique)
    assert {"brules", "urgences", "hematologie"} <= rubriques_by_hospital["CHU de Nantes"]
    assert {"femme-enfant", "brules"} <= rubriques_by_hospital["CHU de Lille"]


@pytest.mark.parametrize("report", REPORTS, ids=ids)
def test_summary_is_one_short_paragraph(report):
    summary = report.get("Summary")
    assert len(summary) <= SUMMARY_MAX, f"{report.where('Summary')}: {len(summary)} characters"
    assert len(summary) >= 80, f"{report.where('Summary')}: a standfirst says what the report is about"


@pytest.mark.parametrize("report", REPORTS, ids=ids)
def test_summary_is_not_repeated_in_the_body(report):
    summary = normalise(report.get("Summary"))
    first = next(block for block in report.paragraphs() if not block.startswith("#"))
    assert normalise(first) != summary
    assert summary not in normalise(report.body), f"{report.rel}: the body repeats the Summary"


def test_standfirst_is_printed_once_on_every_report_page(sample_site):
    for report in REPORTS:
        page = soup(report_page(sample_site, report))
        standfirsts = page.select("article.article .standfirst")
        assert len(standfirsts) == 1, report.slug
        text = normalise(standfirsts[0].get_text(" "))
        assert text == normalise(report.get("Summary")), report.slug
        body = normalise(page.select_one("article.article").get_text(" "))
        assert body.count(text) == 1, f"{report.slug}: the standfirst appears {body.count(text)} times"


@pytest.mark.parametrize("report", REPORTS, ids=ids)
def test_report_body_is_300_to_700_words_with_subheadings_from_level_two(report):
    count = words(report.body)
    assert 300 <= count <= 700, f"{report.rel}: {count} words"
    headings = re.findall(r"^(#+) ", report.body, flags=re.M)
    assert headings, f"{report.rel}: break the report with `## ` subheadings"
    levels = [len(marks) for marks in headings]
    assert min(levels) == 2, f"{report.rel}: the page's h1 is the title; start subheadings at ##"
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"{report.rel}: skipped heading level"


@pytest.mark.parametrize("report", REPORTS, ids=ids)
def test_no_date_in_the_future(report):
    published = report.date("Date")
    assert EARLIEST <= published <= min(LATEST, date.today()), report.where("Date")
    if report.get("Modified"):
        modified = report.date("Modified")
        assert published <= modified <= min(LATEST, date.today()), report.where("Modified")


def test_pages_are_not_dated_in_the_future():
    for page in PAGE_SOURCES:
        if page.get("Modified"):
            assert page.date("Modified") <= min(LATEST, date.today()), page.where("Modified")


def test_slugs_are_clean_unique_and_give_the_report_url(sample_site):
    slugs = Counter(report.slug for report in REPORTS)
    assert [slug for slug, count in slugs.items() if count > 1] == []
    for report in REPORTS:
        assert SLUG_RE.fullmatch(report.slug), f"{report.rel}: rename the file in lowercase ASCII with hyphens"
        assert report.get("Slug", report.slug) == report.slug, report.where("Slug")
        page = report_page(sample_site, report)
        assert page.exists(), f"{report.rel} was not written at {report.rubrique}/{report.slug}/"
        assert normalise(soup(page).h1.get_text()) == normalise(report.get("Title"))


def test_five_rubriques_have_at_least_two_reports_each(settings, sample_site):
    per_rubrique = Counter(report.rubrique for report in REPORTS)
    assert set(per_rubrique) <= set(settings["RUBRIQUES"])
    assert len([name for name, count in per_rubrique.items() if count >= 2]) >= 5
    for rubrique, _count in per_rubrique.items():
        listing = soup(sample_site.output / "rubrique" / rubrique / "index.html")
        linked = {a["href"].rstrip("/").split("/")[-1] for a in listing.select("main a[href]")}
        expected = {report.slug for report in REPORTS if report.rubrique == rubrique}
        assert expected <= linked, f"rubrique {rubrique} does not list {expected - linked}"


def test_haematology_report_has_same_subject_neighbours():
    per_rubrique = Counter(report.rubrique for report in REPORTS)
    assert per_rubrique["hematologie"] >= 3
    assert per_rubrique["cancerologie"] >= 2
    assert (ARTICLES / "hematologie" / "hematologues-ouest-visioconference.md").exists()


def test_images_exist_are_small_and_carry_alt_and_credit(sample_site):
    referenced = set()
    for report in (report for report in REPORTS if report.get("Image")):
        image = report.get("Image")
        assert image.startswith("images/"), f"{report.where('Image')}: give the path under content/"
        path = CONTENT / image
        assert path.is_file(), f"{report.where('Image')}: {image} does not exist under content/"
        assert report.get("ImageAlt"), f"{report.rel}: describe the image in ImageAlt"
        assert report.get("ImageCredit"), f"{report.rel}: credit the image in ImageCredit"
        assert path.stat().st_size <= IMAGE_MAX_BYTES, f"{image}: {path.stat().st_size} bytes"
        with Image.open(path) as picture:
            width, height = picture.size
        assert width >= 800 and 1.5 <= width / height <= 2.0, f"{image}: {width}×{height}"
        assert (sample_site.output / image).is_file()
        referenced.add(path.name)
    posters = {Path(report.get("VideoPoster")).name for report in REPORTS if report.get("VideoPoster")}
    assert all((CONTENT / "images" / name).is_file() for name in posters)
    referenced |= posters
    assert len(referenced) >= 5
    assert {path.name for path in (CONTENT / "images").iterdir()} == referenced, "unused image"


def test_report_pages_show_the_image_with_its_alt_text_and_credit(sample_site):
    for report in (report for report in REPORTS if report.get("Image")):
        page = soup(report_page(sample_site, report))
        name = Path(report.get("Image")).name
        images = [img for img in page.select("article.article img") if img["src"].endswith(name)]
        assert len(images) == 1, f"{report.slug}: {name} not shown once"
        assert normalise(images[0]["alt"]) == normalise(report.get("ImageAlt"))
        assert normalise(report.get("ImageCredit")) in normalise(page.select_one("article.article").get_text(" "))


def test_every_img_on_the_built_site_has_alt_text_and_exists(sample_site):
    for html in sample_site.output.rglob("*.html"):
        for img in soup(html).select("img"):
            assert img.get("alt") is not None, f"{html}: {img}"
            src = img["src"]
            if not src.startswith(("http://", "https://", "data:")):
                assert (sample_site.output / src.lstrip("/")).is_file(), f"{html}: missing {src}"


def test_related_pins_and_comment_settings_are_valid():
    slugs = {report.slug for report in REPORTS}
    pinned = [report for report in REPORTS if report.get("Related")]
    assert 1 <= len(pinned) <= 3
    for report in pinned:
        pins = report.list("Related")
        assert set(pins) <= slugs - {report.slug}, f"{report.where('Related')}: unknown slug"
    values = Counter(report.get("Comments", "open") for report in REPORTS)
    assert set(values) <= {"open", "closed"}
    assert values["closed"] == 1
    assert all(report.get("Status", "published") == "published" for report in REPORTS)


def test_sample_exercises_the_optional_keys():
    assert sum(1 for report in REPORTS if report.get("Modified")) >= 4
    assert sum(1 for report in REPORTS if report.get("Sources")) >= 4
    assert sum(1 for report in REPORTS if len(report.list("Authors")) > 1) >= 1


@pytest.mark.parametrize("report", REPORTS, ids=ids)
def test_sources_are_labels_with_optional_https_links(report):
    for source in report.list("Sources"):
        match = re.fullmatch(r"(?P<label>[^<>]+?)(?:\s*<(?P<url>[^<>]+)>)?", source)
        assert match, f"{report.where('Sources')}: write `Label <https://…>; Other label`"
        if match.group("url"):
            assert match.group("url").startswith("https://"), report.where("Sources")


def test_no_html_entities_or_double_straight_quotes_in_reader_text():
    for source in REPORTS + PAGE_SOURCES:
        text = source.path.read_text(encoding="utf-8")
        assert "&nbsp;" not in text, source.rel
        prose = re.sub(r"\]\([^)]*\)|<https?://[^>]*>", "", text)
        assert '"' not in prose, f"{source.rel}: quote with « » instead of straight double quotes"


def test_the_legal_pages_exist_at_their_fixed_urls(sample_site):
    assert {page.slug for page in PAGE_SOURCES} >= LEGAL_PAGES
    for slug in LEGAL_PAGES:
        page = sample_site.output / slug / "index.html"
        assert page.is_file(), f"content/pages/{slug}.md was not written at {slug}/"
        assert len(soup(page).select("main h1")) == 1


def page_text(sample_site, slug):
    return normalise(soup(sample_site.output / slug / "index.html").select_one("main").get_text(" "))


def test_accessibility_statement_follows_the_rgaa_model(sample_site):
    text = page_text(sample_site, "accessibilite")
    for expected in (
        "partiellement conforme", "rgaa", "version 4.1", "état de conformité", "résultats des tests",
        "contenus non accessibles", "non-conformités", "dérogations pour charge disproportionnée",
        "environnement de test", "retour d'information et contact", "voies de recours",
        "défenseur des droits", "libre réponse 71120", "redaction@pouls.example.fr",
    ):
        assert expected in text, f"accessibilite: missing « {expected} »"


def test_privacy_page_says_what_comments_keep_and_for_how_long(sample_site):
    text = page_text(sample_site, "confidentialite")
    for expected in ("adresse ip tronquée", "trente jours", "aucun cookie", "rgpd", "cnil", "redaction@pouls.example.fr"):
        assert expected in text, f"confidentialite: missing « {expected} »"


def test_legal_notice_names_the_publisher_and_the_host(sample_site):
    text = page_text(sample_site, "mentions-legales")
    for expected in ("pouls — information santé", "directrice de la publication", "hébergement", "redaction@pouls.example.fr"):
        assert expected in text, f"mentions-legales: missing « {expected} »"


def test_internal_links_in_content_lead_to_built_pages(sample_site):
    pages = [sample_site.output / slug / "index.html" for slug in LEGAL_PAGES]
    pages += [report_page(sample_site, report) for report in REPORTS]
    for html in pages:
        for link in soup(html).select(".page-body a[href], .article-body a[href]"):
            href = link["href"]
            if href.startswith(("http://", "https://", "mailto:", "#")):
                continue
            target = sample_site.output / href.split("#")[0].lstrip("/")
            if target.suffix != ".html":
                target = target / "index.html"
            assert target.is_file(), f"{html.relative_to(sample_site.output)} links to missing {href}"


def test_videos_are_https_links_with_a_transcript_under_content(sample_site):
    with_video = [report for report in REPORTS if report.get("Video")]
    assert with_video, "one report at least shows the video link and its transcript"
    for report in with_video:
        assert report.get("Video").startswith("https://"), report.where("Video")
        transcript = CONTENT / report.get("Transcript", "")
        assert transcript.is_file() and transcript.read_text(encoding="utf-8").strip(), report.where("Transcript")
        section = soup(report_page(sample_site, report)).select_one(".article-video")
        assert section is not None and section.select_one(f'a[href="{report.get("Video")}"]'), report.slug
        first_line = normalise(transcript.read_text(encoding="utf-8").split("\n")[0])
        assert first_line in normalise(section.get_text(" ")), f"{report.slug}: transcript not shown"


@pytest.mark.parametrize("page", PAGE_SOURCES, ids=[page.slug for page in PAGE_SOURCES])
def test_page_has_a_title_a_summary_and_subheadings_from_level_two(page):
    assert page.get("Title") and page.get("Summary"), f"{page.rel}: give Title and Summary"
    assert len(page.get("Summary")) <= SUMMARY_MAX, page.where("Summary")
    levels = [len(marks) for marks in re.findall(r"^(#+) ", page.body, flags=re.M)]
    assert levels and min(levels) == 2, f"{page.rel}: the page's h1 is the title; start subheadings at ##"
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"{page.rel}: skipped heading level"
