"""`make test` installs the browser when it can and says exactly what to run when it cannot."""

import os
import stat

from desk import browser_setup


def _fake_dpkg_query(folder, installed):
    """A dpkg-query that reports the given packages installed and every other one missing."""
    script = folder / "dpkg-query"
    names = " ".join(installed)
    script.write_text(
        "#!/bin/sh\n"
        'for last; do :; done\n'
        f'case " {names} " in *" $last "*) echo "install ok installed";; *) echo "unknown ok not-installed";; esac\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_without_root_it_prints_the_exact_apt_command_and_fails(tmp_path, monkeypatch, capsys):
    _fake_dpkg_query(tmp_path, installed=["fonts-dejavu-core", "fonts-liberation", "rsync"])
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert browser_setup.main() == 1
    out = capsys.readouterr().out
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium chromium-driver" in out


def test_with_everything_installed_it_does_nothing(tmp_path, monkeypatch, capsys):
    _fake_dpkg_query(tmp_path, installed=browser_setup.PACKAGES)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert browser_setup.main() == 0
    assert capsys.readouterr().out == ""


def test_without_nginx_it_names_nginx_and_its_brotli_module(tmp_path, monkeypatch, capsys):
    _fake_dpkg_query(tmp_path, installed=[p for p in browser_setup.PACKAGES if "nginx" not in p])
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert browser_setup.main() == 1
    out = capsys.readouterr().out
    assert "run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends nginx libnginx-mod-http-brotli-static\n" in out
