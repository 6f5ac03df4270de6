"""The runner behind pouls_common.background during a build with several processes.

Each piece of work runs in a process forked when it is submitted; `join()` (before the
first page renders) waits for each, replays what it logged and applies its result here,
in submission order. A fork that fails, dies or raises is not trusted: its work is done
again here, so an error surfaces exactly as in a plain build, from this process.
"""

import gc
import logging
import os
import pickle

from desk.parallel import capture_logs, fork_child, kill_children, replay

logger = logging.getLogger(__name__)


class Background:
    def __init__(self):
        self.pending = []  # [(pid, reader, work, apply)]: forked, not joined yet

    def submit(self, work, apply):
        def logged():
            with capture_logs() as records:
                result = work()
            return records, result

        gc.freeze()  # the child's collector then leaves the shared memory alone
        try:
            pid, reader = fork_child(logged)
        except OSError as error:
            logger.debug("desk: no process for background work (%s); done in order", error)
            apply(work())
            return
        finally:
            gc.unfreeze()
        self.pending.append((pid, reader, work, apply))

    def join(self):
        """Apply every result, in submission order."""
        while self.pending:
            pid, reader, work, apply = self.pending.pop(0)
            try:
                records, result = pickle.loads(reader.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                records, result = None, None
            finally:
                reader.close()
                os.waitpid(pid, 0)
            if records is None:
                logger.debug("desk: background work %r failed in its process; done again here", work)
                result = work()
            else:
                replay(records)
            apply(result)

    def stop(self):
        """Kill what still runs (the build is failing or cancelled)."""
        kill_children(self.pending)
        self.pending = []
