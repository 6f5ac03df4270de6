"""`make deploy`: send the published site to the host with rsync.

    POULS_DEPLOY_TARGET=pouls@web.example.fr:/var/www/pouls make deploy
    .venv/bin/python -m desk.deploy --target /srv/www/pouls --dry-run

The target is, in order: `--target`, then `DESK_DEPLOY_TARGET` in publishconf.py
(which reads the POULS_DEPLOY_TARGET environment variable). Any rsync destination
works: a local folder, `host:/path` over SSH (ports, users and keys belong in
~/.ssh/config), or `rsync://`.

What is sent is the folder `output` points to after `make publish`, never a build
in progress. rsync runs with --delete (a page removed from the site disappears
from the host) and --delay-updates (changed files are put in place together at
the end, so readers do not see half an update) and --modify-window=-1 (modification
times compared to the nanosecond: a build rewrites only changed files, so a file can
change within the second of the previous publication without changing size, and rsync's
default whole-second check would leave its old bytes online).
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from desk.build import ROOT, load_settings

RSYNC_OPTIONS = ["--archive", "--modify-window=-1", "--delete", "--delay-updates", "--compress", "--human-readable",
                 "--stats"]


class DeployError(Exception):
    """The deployment cannot go ahead; the message says what to do, in French."""


def deploy_target(explicit=None, settings_file="publishconf.py"):
    if explicit:
        return explicit
    target = load_settings(settings_file).get("DESK_DEPLOY_TARGET") or ""
    if not str(target).strip():
        raise DeployError(
            "Aucune destination\u00a0: définissez POULS_DEPLOY_TARGET (par exemple "
            "POULS_DEPLOY_TARGET=pouls@web.example.fr:/var/www/pouls make deploy) ou passez --target."
        )
    return str(target).strip()


def rsync_command(source, target, dry_run=False):
    command = ["rsync", *RSYNC_OPTIONS]
    if dry_run:
        command.append("--dry-run")
    # The trailing slash sends the folder's content, following the `output` link.
    return [*command, f"{Path(source)}/", target]


def deploy(source=None, target=None, dry_run=False, settings_file="publishconf.py"):
    """Run rsync; return its output. Raises DeployError."""
    source = Path(source or ROOT / "output")
    if not (source / "index.html").is_file():
        raise DeployError(f"Rien à envoyer\u00a0: {source} n’a pas de site publié. Lancez d’abord «\u00a0make publish\u00a0».")
    target = deploy_target(target, settings_file)
    if shutil.which("rsync") is None:
        raise DeployError("rsync n’est pas installé\u00a0: sudo apt-get install rsync")
    result = subprocess.run(rsync_command(source, target, dry_run), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DeployError(f"rsync a échoué (code {result.returncode}) vers {target}\u00a0: {result.stderr.strip()}")
    return result.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--target", help="rsync destination (default: POULS_DEPLOY_TARGET)")
    parser.add_argument("--source", help="published folder (default: output)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, send nothing")
    args = parser.parse_args(argv)
    try:
        output = deploy(args.source, args.target, args.dry_run)
    except DeployError as exc:
        print(exc)
        return 1
    print(output.strip())
    print("Simulation terminée, rien n’a été envoyé." if args.dry_run else "Site envoyé.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
