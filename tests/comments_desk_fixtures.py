"""Fixtures of the moderation desk tests (a support module: no test here; helpers are in comments_support).

Loaded by test_comments_desk.py and test_comments_desk_hostile.py with `pytest_plugins`.
"""

import time

import pytest

from comments import accounts, store
from comments_support import PASSWORD, Clock, DeskClient, copy_site, index_of, service_env, service_thread
from conftest import SITES
from desk.build import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site("pelicanconf.py", content=SITES / "comments-basic", output=tmp_path_factory.mktemp("site"))


@pytest.fixture
def content(tmp_path):
    return copy_site(tmp_path)


@pytest.fixture
def env(tmp_path, site, content):
    env = service_env(tmp_path / "queue.sqlite3", index_of(site.output), content=content)
    with store.opened(env["POULS_COMMENTS_DB"]) as conn:
        accounts.add_moderator(conn, "anne", PASSWORD, time.time())
        accounts.add_moderator(conn, "bruno", PASSWORD, time.time())
    return env


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(env, clock):
    with service_thread(env, clock=clock) as running:
        yield running


@pytest.fixture
def desk(service):
    client = DeskClient(service)
    status, _, _ = client.login("anne", PASSWORD)
    assert status == 303, client.last
    return client
