"""Small file helpers of the run directories (chapter 5): atomic writes, JSON that explains itself,
I/O errors said plainly.

A crash mid-write leaves the previous file: :func:`atomic_write` writes a temporary file next to
the target and then renames it over the target (``os.replace`` is atomic on one file system); the
temporary file is removed on any failure, Ctrl-C or SIGTERM. ``OSError`` becomes
:class:`StorageError`, which names the file and calls a full disk a full disk. Nothing here
imports TensorFlow, so the command line's notebook tools use it too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["JSON_FIXES", "StorageError", "atomic_write", "describe_os_error", "read_json", "storage_error",
           "write_json", "write_text"]


class StorageError(OSError):
    """A file could not be written or read: which file, why in plain words, what to do."""

    def __init__(self, message: str, errno_: int | None = None, filename=None):
        super().__init__(errno_ or 0, message, None if filename is None else str(filename))
        self.message = message

    def __str__(self) -> str:
        return self.message


_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM}


def describe_os_error(exc: BaseException, path=None, action: str | None = None) -> str:
    """One sentence for an ``OSError``: the file, the cause in plain words, the way out.

    ``ENOSPC``/``EFBIG``/``EDQUOT`` is a full disk, ``EACCES``/``EPERM`` not writable,
    ``EROFS`` a read-only file system.
    """
    if isinstance(exc, StorageError):
        return exc.message
    code = getattr(exc, "errno", None)
    name = path if path is not None else (getattr(exc, "filename", None) or "a file")
    what = f"Cannot {action} {name}" if action else f"{name}"
    if code in _FULL:
        extra = " (or the file-size limit is reached)" if code == errno.EFBIG else ""
        return (f"{what}: the disk is full{extra}. Free some space (or use a "
                "folder on another disk) and run the command again.")
    if code in _DENIED:
        why = ("not readable" if action == "read" else "not writable" if action else
               "not writable, or not readable")
        return (f"{what}: permission denied (it is {why}). Check the folder's permissions, or "
                "use another folder.")
    if code == errno.EROFS:
        return (f"{what}: it is on a read-only file system. Use a folder on a "
                "writable disk.")
    if code == errno.ENOENT:
        return f"{what}: the file or a folder above it does not exist."
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{what}: {reason}. Check the path, then run the command again."


def storage_error(exc: OSError, path, action: str = "write") -> StorageError:
    """``exc`` as a :class:`StorageError` about ``path`` (unchanged if it already is one)."""
    if isinstance(exc, StorageError):
        return exc
    return StorageError(describe_os_error(exc, path, action), exc.errno, path)



# ----------------------------------------------------------------------------- atomic writes
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Write ``path`` all or nothing: yield a file in the same folder, then ``os.replace``.

    On any failure (a full disk, an exception in the block, Ctrl-C, SIGTERM) the temporary file
    is removed and ``path`` keeps its previous content. ``OSError`` becomes
    :class:`StorageError` naming ``path``. An existing file keeps its permission bits.
    """
    path = Path(path)
    binary = "b" in mode
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise storage_error(exc, path) from None
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        try:
            bits = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            bits = 0o666 & ~_umask()
        os.chmod(tmp, bits)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise storage_error(exc, path) from None
        raise


def write_text(path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as f:
        f.write(text)


def write_json(path, obj) -> None:
    """Replace ``path`` by ``obj`` as indented JSON, atomically."""
    write_text(path, json.dumps(obj, indent=1))



#: What to do about a broken JSON file of each kind (``read_json``'s ``what``).
JSON_FIXES = {
    "settings": "restore it from a backup, or delete it to resume with the settings you pass",
    "history": "restore it from a backup, or delete it to resume without the earlier history",
}


def read_json(path, what: str):
    """``path``'s JSON, or a ``ValueError`` that says which file is broken and what to do.

    An ``OSError`` (unreadable, missing) becomes a :class:`StorageError` naming ``path``.
    """
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fix = JSON_FIXES.get(what, "undo the last edit or restore it from version control")
        raise ValueError(f"{path} is not valid JSON ({exc}), so the {what} cannot be read. "
                         f"Expected the file as course_lib wrote it; {fix}.") from None
    except OSError as exc:
        raise storage_error(exc, path, "read") from None
