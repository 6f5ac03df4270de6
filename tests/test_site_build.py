from conftest import soup


def test_sample_content_builds_without_warning(sample_site):
    assert sample_site.errors == []
    assert sample_site.warnings == []


def test_report_page_lives_at_its_clean_url(sample_site):
    page = sample_site.output / "hematologie" / "hematologues-ouest-visioconference" / "index.html"
    assert page.exists()
    assert soup(page).html["lang"] == "fr"
