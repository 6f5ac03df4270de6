"""`make check`: review every report and page, print a French report for the editor.

    make check
    .venv/bin/python -m desk.check --content tests/sites/check-defects

Errors first, then warnings, then the scheduled reports, then a count. The exit
status is 1 when there is an error (so `make publish` and CI stop), 2 when the
configuration itself is unusable, 0 otherwise. No Pelican build is involved: the
rules live in `desk.checks` and read the Markdown sources directly.
"""

import argparse
import sys
from pathlib import Path

from pelican.settings import read_settings

from desk.build import ROOT
from desk.checks import CheckSettings, check_site


def load_check_settings(settings_file="pelicanconf.py", content=None):
    override = {"PATH": str(Path(content).resolve())} if content else None
    settings = read_settings(str(ROOT / settings_file), override=override)
    return CheckSettings.from_settings(settings)


def run_checks(settings_file="pelicanconf.py", content=None, stream=None):
    """Print the report; return (exit status, CheckReport or None)."""
    stream = stream or sys.stdout
    if content is not None and not Path(content).is_dir():
        print(f"desk: the content folder {content} does not exist; "
              "pass --content <folder> or set PATH in pelicanconf.py", file=stream)
        return 2, None
    try:
        settings = load_check_settings(settings_file, content)
    except ValueError as exc:
        # DeskCheckSettingsError, or a plugin's <Plugin>SettingsError for a setting the
        # checks read too (RUBRIQUES, RELATED_ARTICLES_MAX): the message quotes the value.
        print(exc, file=stream)
        return 2, None
    if not settings.content_root.is_dir():
        print(f"desk: the content folder {settings.content_root} does not exist; "
              "pass --content <folder> or set PATH in pelicanconf.py", file=stream)
        return 2, None
    report = check_site(settings)
    for line in report.lines():
        print(line, file=stream)
    return (0 if report.ok else 1), report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make check", description=__doc__.splitlines()[0])
    parser.add_argument("--content", help="content folder to check (default: PATH from the settings)")
    parser.add_argument("--settings", default="pelicanconf.py", help="settings file (default: pelicanconf.py)")
    args = parser.parse_args(argv)
    status, _ = run_checks(args.settings, args.content)
    return status


if __name__ == "__main__":
    sys.exit(main())
