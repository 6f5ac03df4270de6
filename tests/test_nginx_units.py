"""The systemd units of deploy/: systemd accepts them, and they agree with pouls.conf and the service."""

import re
import shutil
import subprocess

import pytest

from comments.service import ServiceConfig
from comments.settings import CommentsSettingsError
from desk.build import ROOT
from nginx_support import renderer

UNITS = ROOT / "deploy" / "systemd"


def unit_entries(path):
    """[(section, key, value)] of a unit file, in order (keys such as Environment= repeat)."""
    entries, section = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key, value))
    return entries


def values(path, key):
    return [value for _section, name, value in unit_entries(path) if name == key]


def comments_environment():
    env = dict(value.split("=", 1) for value in values(UNITS / "pouls-comments.service", "Environment"))
    return env


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing (Debian package systemd)")
def test_systemd_accepts_the_units_without_a_warning(tmp_path):
    # The units name /srv/pouls; here the repository (and its .venv) stands in for it.
    for unit in sorted(UNITS.iterdir()):
        (tmp_path / unit.name).write_text(unit.read_text(encoding="utf-8").replace("/srv/pouls", str(ROOT)), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_systemd_analyze_would_catch_a_misspelt_key(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing (Debian package systemd)")
    unit = tmp_path / "pouls-comments.service"
    text = (UNITS / unit.name).read_text(encoding="utf-8").replace("/srv/pouls", str(ROOT))
    unit.write_text(text.replace("Restart=on-failure", "Restrat=on-failure"), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert "Unknown key 'Restrat'" in result.stderr


def test_the_comment_service_unit_runs_the_service_as_pouls_behind_nginx():
    unit = UNITS / "pouls-comments.service"
    assert values(unit, "ExecStart") == ["/srv/pouls/.venv/bin/python -m comments.service"]
    assert values(unit, "User") == ["pouls"] and values(unit, "EnvironmentFile") == ["/etc/pouls/comments.env"]
    assert values(unit, "UMask") == ["0077"]
    env = comments_environment()
    source = (ROOT / "plugins" / "comments" / "service.py").read_text(encoding="utf-8") + (
        ROOT / "plugins" / "comments" / "store.py").read_text(encoding="utf-8")
    for name in env:
        assert name == "PYTHONPATH" or name in source, f"{name} is read by nobody"
    # The secret lives in the EnvironmentFile only, never in the unit.
    assert "POULS_COMMENTS_SECRET" not in env
    config = ServiceConfig.from_env(dict(env, POULS_COMMENTS_SECRET="x" * 32))
    assert config.trusted_proxy == "127.0.0.1"
    assert str(config.db_path).startswith("/var/lib/pouls/") and "/srv/pouls" not in str(config.db_path)
    # The address nginx proxies to is the one the service listens on.
    intake = renderer.marked_values(renderer.SHIPPED.read_text(encoding="utf-8"))["intake address"]
    assert intake == f"{config.host}:{config.port}"
    server_name = renderer.marked_values(renderer.SHIPPED.read_text(encoding="utf-8"))["server name"]
    assert config.allowed_origins == (f"https://{server_name}",) and config.site_url == f"https://{server_name}"


def test_a_bad_value_in_the_unit_would_stop_the_service_with_its_name():
    env = dict(comments_environment(), POULS_COMMENTS_PORT="huit-mille")
    with pytest.raises(CommentsSettingsError, match="POULS_COMMENTS_PORT='huit-mille' is not a number"):
        ServiceConfig.from_env(env)


def test_the_timer_publishes_then_deploys_only_to_a_named_host(tmp_path):
    timer, service = UNITS / "pouls-publish.timer", UNITS / "pouls-publish.service"
    assert values(timer, "OnCalendar") == ["*:0/15"] and values(timer, "Unit") == ["pouls-publish.service"]
    commands = values(service, "ExecStart")
    assert commands[0] == "/usr/bin/make publish"
    deploy = re.fullmatch(r"/bin/sh -c '(.+)'", commands[1]).group(1)
    make = tmp_path / "make"
    make.write_text("#!/bin/sh\necho \"make $*\"\n", encoding="utf-8")
    make.chmod(0o755)
    shell = deploy.replace("/usr/bin/make", str(make))
    assert subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True, env={}).stdout == ""
    named = subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True,
                           env={"POULS_DEPLOY_TARGET": "pouls@web2.example.fr:/srv/pouls/output"})
    assert named.stdout == "make deploy\n"
    assert values(service, "Environment") == ["POULS_SITEURL=https://pouls.example.fr"]
