"""The runner behind pouls_common.background during a build with several processes.

Each piece of work runs in a process forked when it is submitted; `join()` (before the
first page renders) waits for each, replays what it logged and applies its result here,
in submission order. A fork that fails, dies or raises is not trusted: its work is done
again here, so an error surfaces exactly as in a plain build, from this process.
"""

import gc
import logging
import multiprocessing
import os
import pickle
import signal

from desk.parallel import capture_logs, replay

logger = logging.getLogger(__name__)


class Background:
    def __init__(self):
        self.pending = []  # [(pid or None, reader, work, apply)]

    def submit(self, work, apply):
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        gc.freeze()  # the child's collector then leaves the shared memory alone
        try:
            pid = os.fork()
        except OSError as error:
            logger.debug("desk: no process for background work (%s); done in order", error)
            reader.close()
            writer.close()
            pid = None
        finally:
            gc.unfreeze()
        if pid == 0:  # child
            code = 1
            try:
                reader.close()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                with capture_logs() as records:
                    result = work()
                writer.send_bytes(pickle.dumps((records, result), protocol=pickle.HIGHEST_PROTOCOL))
                code = 0
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        if pid is None:
            apply(work())
            return
        writer.close()
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
        for pid, reader, _, _ in self.pending:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            reader.close()
        self.pending = []
