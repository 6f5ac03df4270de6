"""desk.pagekeys.Digester: two values get the same digest exactly when a page showing them
cannot tell them apart (pages are skipped on equal digests, so a false « same » would
leave a stale page online)."""

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from markupsafe import Markup

from desk.pagekeys import Digester, Undigestable


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@pytest.fixture
def digest():
    return Digester({}, {}).structure


def test_equal_values_built_apart_have_one_digest(digest):
    one = {"b": [1, "deux", None, 3.5, True], "a": (Link("Lire", "/x/"), date(2026, 12, 3))}
    other = {"a": (Link("Lire", "/x/"), date(2026, 12, 3)), "b": [1, "deux", None, 3.5, True]}
    assert digest(one) == digest(other)  # a dict's order is not its content
    assert digest({"x", "y", "z"}) == digest({"z", "y", "x"})


@pytest.mark.parametrize("one, other", [
    ("Santé", Markup("Santé")),                     # Markup is not escaped again: another page
    (["a", "b"], ("a", "b")),
    ([None], ["None"]),
    ([1], [True]),
    ([1], ["1"]),
    (Link("Lire", "/x/"), Link("Lire", "/y/")),
    ((Link("a", "b"),), (Link("a", "c"),)),
    # Leaves and small objects inside a container are written inline: still told apart.
    ([Markup("Santé")], ["Santé"]),
    ([Markup("a"), "b"], [Markup("ab")]),
    ([Link("a", "b")], [{"label": "a", "url": "b"}]),
    ([date(2026, 12, 3)], [datetime(2026, 12, 3)]),
    ([date(2026, 12, 3)], ["datetime.date(2026, 12, 3);"]),
    ({"k": "v"}, {"k": "w"}),
    ({"k": "v"}, {"l": "v"}),
    (date(2026, 12, 3), datetime(2026, 12, 3)),
    (timedelta(days=1), timedelta(days=2)),
    (re.compile("a"), re.compile("a", re.I)),
    (functools.partial(max, 1), functools.partial(max, 2)),
    (["x"] * 13, ["x"] * 12 + ["y"]),                # long lists are hashed apart, still compared
    ({str(i): i for i in range(13)}, {str(i): i + 1 for i in range(13)}),
])
def test_values_a_page_can_tell_apart_have_different_digests(digest, one, other):
    assert digest(one) != digest(other)


def test_a_value_whose_state_cannot_be_read_is_refused(digest):
    class Opaque:
        __slots__ = ()

    with pytest.raises(Undigestable):
        digest([Opaque()])
