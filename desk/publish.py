"""`make publish`: check, build into a fresh folder, and swap it in only if all went well.

    make publish
    POULS_SITEURL=https://pouls.example.fr make publish
    .venv/bin/python -m desk.publish --content content --output output

How the live folder is kept safe:

- `output` is a symbolic link to one finished build, `output.builds/<stamp>/`.
- A publication first runs the checks of `make check` and stops on any error.
- It then builds with publishconf.py into `output.builds/<stamp>.partial/`. A build
  that fails, logs a warning or an error, or is interrupted (Ctrl-C, SIGTERM) is
  deleted and `output` is not touched; after a SIGKILL the `.partial` folder is
  left behind and the next publication deletes it.
- Only a clean build is renamed to `output.builds/<stamp>/`, then `output` is
  re-pointed at it with `os.replace()` on a new link: a rename, atomic on POSIX,
  so a web server or rsync reading `output/` sees the old site or the new one,
  never a mix. The previous build is kept (for a rollback by hand), older ones
  are removed.

Drafts are never published (publishconf.py leaves them unwritten) and a report
dated in the future waits for the first publication after its date: run
`make publish` from cron or a CI schedule (see the README).
"""

import argparse
import fcntl
import os
import shutil
import signal
import sys
from datetime import datetime
from pathlib import Path

from desk.build import ROOT, build_site, exit_now
from desk.check import run_checks
from desk.content_cache import cache_folder
from desk.pagekeys import moved_output
from desk.steps import StepError, finish_build

KEEP_BUILDS = 2
PARTIAL = ".partial"


class PublishError(Exception):
    """A publication that must stop; the message is for the editor, in French."""


def builds_folder(link):
    return link.with_name(link.name + ".builds")


def current_build(link):
    """The build folder `output` points at, or None (the compression step compares with it)."""
    if link.is_symlink():
        return (link.parent / os.readlink(link)).resolve()
    return None


def remove_partial_builds(builds):
    """Delete what an interrupted (SIGKILL) publication left behind."""
    for leftover in sorted(builds.glob("*" + PARTIAL)):
        shutil.rmtree(leftover, ignore_errors=True)


def swap_in(link, build):
    """Point `link` at `build` atomically; the first time, move a plain `output/` folder aside."""
    if link.exists() and not link.is_symlink():
        # A plain folder cannot be replaced atomically by a link. It is moved into the
        # builds folder (a rename: the site is missing for that instant only, once).
        # Its name sorts before every stamp, so pruning treats it as the oldest build.
        link.rename(build.parent / "00000000-000000-000000-previous-folder")
    temporary = link.with_name(f".{link.name}.link-{os.getpid()}")
    if temporary.is_symlink():
        temporary.unlink()
    os.symlink(os.path.relpath(build, link.parent), temporary)
    os.replace(temporary, link)


def prune_builds(builds, keep):
    """Keep the `keep` newest finished builds (the live one is always among them)."""
    finished = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL))
    for old in finished[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def publish(settings_file="publishconf.py", content=None, link=None, stream=None):
    """Publish; return the new build folder. Raises PublishError with a French message."""
    stream = stream or sys.stdout
    link = Path(link or ROOT / "output").absolute()
    builds = builds_folder(link)
    builds.mkdir(parents=True, exist_ok=True)
    with open(builds / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError("Une autre publication est en cours ; réessayez quand elle sera terminée.") from None
        return _publish_locked(settings_file, content, link, builds, stream)


def _publish_locked(settings_file, content, link, builds, stream):
    status, report = run_checks(settings_file, content, stream=stream)
    if status != 0:
        raise PublishError(
            "Publication refusée\u00a0: corrigez les erreurs ci-dessus (make check). Le site en ligne n’a pas changé."
        )
    remove_partial_builds(builds)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    partial = builds / (stamp + PARTIAL)
    print(f"Construction du site dans {partial}…", file=stream, flush=True)
    try:
        # Unchanged files keep the date of the build online (pages are copied from it
        # rather than rendered), so `make deploy` sends only what changed.
        result = build_site(settings_file, content=content, output=partial, quiet=True,
                            reference=current_build(link))
    except KeyboardInterrupt:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise PublishError(
            f"La construction a échoué ({type(exc).__name__}\u00a0: {exc}). Le site en ligne n’a pas changé."
        ) from exc
    problems = result.errors + result.warnings
    if problems or not (partial / "index.html").is_file():
        shutil.rmtree(partial, ignore_errors=True)
        for message in problems:
            print(f"  {message}", file=stream)
        raise PublishError(
            f"La construction a signalé {len(result.errors)} erreur(s) et {len(result.warnings)} "
            "avertissement(s) (ci-dessus)\u00a0: rien n’est publié tant qu’elle n’est pas propre. "
            "Le site en ligne n’a pas changé."
            if problems else "La construction n’a pas produit de page d’accueil. Le site en ligne n’a pas changé."
        )
    try:
        finish_build(partial, result.settings, stream)
    except (StepError, KeyboardInterrupt) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise PublishError(f"{exc} Le site en ligne n’a pas changé.") from exc
    final = builds / stamp
    partial.rename(final)
    moved_output(cache_folder(result.settings), partial, final)
    swap_in(link, final)
    prune_builds(builds, KEEP_BUILDS)
    scheduled = len(report.scheduled) if report else 0
    print(f"Publié\u00a0: {link} → {final.name}.", file=stream)
    if scheduled:
        print(
            f"{scheduled} reportage(s) programmé(s) attendent leur date\u00a0: "
            "ils partiront avec la première publication qui suit.", file=stream,
        )
    return final


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make publish", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py", help="settings file (default: publishconf.py)")
    parser.add_argument("--content", help="content folder (default: PATH from the settings)")
    parser.add_argument("--output", help="the live output link (default: output)")
    args = parser.parse_args(argv)
    # SIGTERM (a CI job cancelled, a service stopped) cleans up like Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        publish(args.settings, args.content, args.output)
    except PublishError as exc:
        print(exc)
        return 1
    except KeyboardInterrupt:
        print("Publication interrompue\u00a0: le site en ligne n’a pas changé.")
        return 130
    return 0


if __name__ == "__main__":
    exit_now(main())
