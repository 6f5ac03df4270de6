"""Writing a file of the site: only when its bytes change, and never half-written.

    write_if_changed(path, data)   # True when the file was written, False when it was kept

Every file a build writes goes through here (pages by desk.writing, feeds, the comments
index and sitemap.xml by their plugins). A file whose bytes are already those on disk is
left alone, modification time included, so a rebuild with nothing changed writes nothing
and `make deploy`'s rsync, or a CDN upload, sends nothing. A changed file is written
beside its target and renamed over it: a reader or rsync sees the old file or the new
one, never a mix, and a file shared by hard link with an earlier build (a publication
starts from the live site's files) is replaced, never edited in place.
"""

import os
import tempfile

# replace_file's temporaries: « .<random>.part » beside their target.
PARTIAL_PREFIX, PARTIAL_SUFFIX = ".", ".part"


def _read_umask():
    # os.umask can only be read by setting it: once, at import.
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _read_umask()


def same_bytes(path, data):
    """True when the file at `path` holds exactly `data`."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def replace_file(path, data):
    """Write `data` to `path` through a temporary file renamed over it."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp creates the file readable by its owner only; a page is for everyone.
        os.chmod(temporary, 0o666 & ~UMASK)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_if_changed(path, data):
    """Write `data` (bytes) to `path` unless the file already holds it; True when written."""
    if same_bytes(path, data):
        return False
    replace_file(path, data)
    return True


def remove_partial_files(folder, skip=()):
    """Delete the temporaries a killed build left half-written under `folder`; how many.

    replace_file removes its temporary on any exception, but a SIGKILL or a power cut
    leaves it behind, and the next build would publish it. A build calls this first.
    Top-level folders named in `skip` are left alone: the preview's search index is
    synced in the background while the next build starts, and its live temporaries
    must not vanish under it.
    """
    folder, removed = os.fspath(folder), 0
    for directory, folders, files in os.walk(folder):
        if directory == folder:
            folders[:] = [name for name in folders if name not in skip]
        for name in files:
            if name.startswith(PARTIAL_PREFIX) and name.endswith(PARTIAL_SUFFIX):
                try:
                    os.unlink(os.path.join(directory, name))
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


class OutputFolder:
    """Names of the files written under one folder, relative to it.

    `relative(path)` is os.path.relpath(path, folder), without its two abspath() calls for
    the usual path: Pelican's writer hands over sanitised_join(output_path, name), absolute
    and normalised, and its relative path is then what follows the folder's. It runs for
    every page a build writes (the desk's planning, the sitemap's record); any other path
    goes through relpath.
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        self._prefix = os.path.join(os.path.abspath(self.folder), "")

    def relative(self, path):
        path = os.fspath(path)
        if path.startswith(self._prefix) and os.path.normpath(path) == path:
            return path[len(self._prefix):]
        return os.path.relpath(path, self.folder)
