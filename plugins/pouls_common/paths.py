"""Where the project lives, defined once for plugins, the desk, the comment service and tests."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"


def python_path(environ=None):
    """A copy of `environ` (default: os.environ) whose PYTHONPATH finds `desk` and the plugins.

    For child processes (`python -m desk.preview`, `python -m comments.service`): the
    desk lives at the top level, the plugins under plugins/.
    """
    env = dict(os.environ if environ is None else environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(PLUGINS)])
    return env
