"""How many processes a build uses, and how what they log reaches the build's report.

    POULS_JOBS=1 make html        # one process: the fallback, everything in order
    POULS_JOBS=4 make publish     # four processes, whatever the machine has

Without POULS_JOBS a build uses every core this process may run on. Child processes are
forked (never spawned): they share the parent's memory copy-on-write, plugins and
settings included, and start in a few milliseconds.

What a child logs must count exactly as if the parent had logged it: `make publish`
refuses a build that logged a warning, and Pelican's log filter drops a message it has
already shown. So a child never prints: `capture_logs()` keeps its records, they travel
back as plain dicts (`portable_record`) and the parent hands them to the same logger
(`replay`), where its handlers (the build's collector, the console) and Pelican's filter
see them once, in the order the parent replays them.
"""

import logging
import multiprocessing
import os
import pickle
import signal
import traceback
from contextlib import contextmanager

from pelican.log import FilteredMessage, LimitFilter

JOBS_VARIABLE = "POULS_JOBS"


class BuildCancelled(Exception):
    """A newer change arrived: the preview stops this build to start the next one."""


class JobsSettingError(ValueError):
    """POULS_JOBS holds something that is not a positive number of processes."""


def available_cores():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def build_jobs(value=None):
    """The number of processes of a build: `value`, else POULS_JOBS, else every core."""
    if value is None:
        value = os.environ.get(JOBS_VARIABLE, "")
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if not text:
            return available_cores()
        try:
            number = int(text)
        except ValueError:
            number = 0
    if number < 1:
        raise JobsSettingError(
            f"{JOBS_VARIABLE} is {value!r}; give a whole number of processes of at least 1 "
            f"(1 builds in one process), or leave it unset to use every core ({available_cores()} here)"
        )
    return number


def fork_child(work):
    """Fork a process that runs `work()` and sends its result back pickled; returns (pid, reader).

    `reader.recv_bytes()` gives the pickle, or raises EOFError when the child raised or
    died. The child leaves with `os._exit`: none of this process's exit handlers or buffers
    run twice. Ctrl-C and SIGTERM end it at once (the parent decides what is cancelled).
    OSError (no process left) goes to the caller, nothing forked.
    """
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    try:
        pid = os.fork()
    except OSError:
        reader.close()
        writer.close()
        raise
    if pid == 0:  # child
        code = 1
        try:
            reader.close()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            writer.send_bytes(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    writer.close()
    return pid, reader


def kill_children(children):
    """SIGKILL and reap forked children, closing their pipes: `children` is [(pid, reader, ...)].

    A child that has already ended is only reaped; this process is left with no zombie.
    """
    for pid, reader, *_ in children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        reader.close()


# ------------------------------------------------------------------------ logs


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.records = []

    def emit(self, record):
        self.records.append(portable_record(record))


def portable_record(record):
    """A LogRecord as a dict that pickles: its message formatted now if its arguments would not."""
    data = dict(record.__dict__)
    if record.exc_info:
        data["exc_text"] = record.exc_text or "".join(traceback.format_exception(*record.exc_info))
    data["exc_info"] = None
    data["stack_info"] = None
    args = data.get("args")
    if args:
        try:
            import pickle

            pickle.dumps(args)
        except Exception:
            data["msg"], data["args"] = record.getMessage(), ()
    return data


def _pass_everything(self, record):
    return True


@contextmanager
def capture_logs():
    """In a child process: keep every record instead of printing it; yields the list.

    Pelican's duplicate filter is switched off here: it belongs to the parent, which
    sees every child's records and must drop a repeated message once, not once per child.
    """
    root = logging.getLogger()
    keep = _Keep()
    saved = root.handlers[:]
    root.handlers[:] = [keep]
    original_filter = LimitFilter.filter
    LimitFilter.filter = _pass_everything
    try:
        yield keep.records
    finally:
        LimitFilter.filter = original_filter
        root.handlers[:] = saved


def replay(records):
    """In the parent: log records a child kept, through the same loggers and filters."""
    for data in records:
        record = logging.makeLogRecord(data)
        logger = logging.getLogger(record.name)
        try:
            logger.handle(record)
        except FilteredMessage:
            # Pelican's logger signals « already shown » with this exception.
            continue
