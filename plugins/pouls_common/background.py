"""Work a plugin hands to a spare core while the build goes on.

    background.submit(work, apply)

`work()` computes plain data from what the build holds now; `apply(result)` puts it on
the model, in the build's process. By default (a plain `pelican` run, a one-process
build, the preview's quick pass) both run at once, in order. During a desk build with
several processes, desk.build lends a runner: `work` runs in a forked process, which
shares the model copy-on-write, and `apply` runs when the desk joins, before the first
page renders. So `work` must change nothing (its changes would stay in the fork), its
result must pickle, and nothing may read what `apply` sets before the pages render.
"""

from contextlib import contextmanager

_RUNNERS = []


def submit(work, apply):
    if _RUNNERS:
        _RUNNERS[-1].submit(work, apply)
    else:
        apply(work())


@contextmanager
def lent(runner):
    """For the duration of a build: `submit` hands its work to `runner` (desk.background)."""
    _RUNNERS.append(runner)
    try:
        yield runner
    finally:
        _RUNNERS.remove(runner)
