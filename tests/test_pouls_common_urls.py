"""pouls_common.urls: which addresses are absolute, and site paths made absolute."""

import pytest

from pouls_common.urls import absolute_url, is_absolute_http


@pytest.mark.parametrize("url, absolute", [
    ("https://pouls.example.fr/urgences/x/", True),
    ("http://127.0.0.1:8000", True),
    ("HTTPS://pouls.example.fr/", True),  # a scheme is case-insensitive
    (" https://pouls.example.fr/", True),  # urlsplit strips leading spaces
    ("urgences/x/", False),
    ("/theme/css/screen.css", False),
    ("urgences/x:y/", False),
    ("mailto:redaction@pouls.example.fr", False),
    ("https:/pouls.example.fr", False),  # no host
    ("ftp://pouls.example.fr/", False),
    ("", False),
    (None, False),
])
def test_only_http_addresses_with_a_host_are_absolute(url, absolute):
    assert is_absolute_http(url) is absolute


def test_absolute_url_puts_site_paths_under_the_base_and_keeps_absolute_ones():
    base = "https://pouls.example.fr"
    assert absolute_url(base, "urgences/x/") == "https://pouls.example.fr/urgences/x/"
    assert absolute_url(base, "/theme/x.css") == "https://pouls.example.fr/theme/x.css"
    assert absolute_url(base, "") == "https://pouls.example.fr/"
    assert absolute_url(base, "http://autre.example/a") == "http://autre.example/a"
