"""Nothing lost, nothing mixed: one writer per results folder, atomic writes, checked files, clean interrupts.

Shared by the three command lines (``theory`` is the lowest layer; ``sims`` and ``empirical`` import it).

* :func:`hold_folder` -- an advisory lock (``fcntl.flock`` on ``FOLDER/.lock``) held for a whole run. A second
  run on the same folder is refused at once with :class:`FolderBusy` (a ``ValueError``: exit 2), naming the
  holder's process id and command, which the holder writes into the lock file. The lock is re-entrant within
  one process and released by the kernel when its holder dies, even by ``SIGKILL``.
* :func:`atomic_path` / :func:`atomic_write_bytes` / :func:`atomic_write_text` -- write to a temporary file of
  unique name in the target folder (named first, then created with ``O_EXCL``), flush it, then ``os.replace``
  it into place: a reader sees the old file or the complete new one, two writers never share a temporary file, and a failed
  write (``ENOSPC``, a read-only folder, Ctrl-C) leaves no temporary file and raises :class:`WriteError`, an
  ``OSError`` whose message names the path.
* :func:`content_checksum`, :func:`write_checked_json`, :func:`read_checked_json` -- a cache file carries its
  kind, the hash of the parameters it belongs to and a SHA-256 of its content; one that does not parse, has
  the wrong shape or kind, belongs to other parameters or fails its checksum is named on one line of stderr,
  set aside as ``NAME.bad`` (:func:`set_aside`) and treated as missing, so the caller recomputes it.
* :class:`Interrupted`, :func:`guarded_main` -- Ctrl-C (and ``SIGTERM``) in a command line gives one line
  (``interrupted; N cells kept, rerun to resume``) and exit status 130; a write error gives one line naming
  the path and exit status 2; never a traceback (guide: "Ctrl-C: one line, exit 130").
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import math
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "FolderBusy",
    "WriteError",
    "Interrupted",
    "hold_folder",
    "lock_holder",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "remove_temporaries",
    "content_checksum",
    "write_checked_json",
    "read_checked_json",
    "set_aside",
    "describe_os_error",
    "interrupt_line",
    "guarded_main",
    "LOCK_NAME",
    "BAD_SUFFIX",
]

#: The lock file of a results folder (hidden; it holds the holder's pid and command as JSON).
LOCK_NAME = ".lock"
#: Suffix of a cell or cache file set aside as invalid.
BAD_SUFFIX = ".bad"


class FolderBusy(ValueError):
    """Another run holds the results folder (a ``ValueError``: the command lines exit with status 2)."""


class WriteError(OSError):
    """A file could not be written; the message names it and says what to do."""

    def __str__(self) -> str:
        return str(self.args[1]) if len(self.args) > 1 else super().__str__()


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a run, with the number of finished cells kept on disk (``None``: no cells)."""

    def __init__(self, kept: int | None = None) -> None:
        super().__init__(kept)
        self.kept = kept


# ----------------------------------------------------------------------------- the folder lock
_held: dict[str, list] = {}  # real path of a folder -> [lock file descriptor, depth]
_held_guard = threading.Lock()


def _command_line() -> str:
    argv = list(sys.argv)
    if argv and argv[0].endswith("__main__.py"):
        argv[0] = "-m " + Path(argv[0]).parent.name
    return " ".join([Path(sys.executable).name, *argv]).strip()


def lock_holder(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The pid and command recorded by the run holding ``folder``'s lock (``None`` when none is recorded)."""
    try:
        record = json.loads((Path(folder) / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


@contextlib.contextmanager
def hold_folder(folder: str | os.PathLike[str], what: str = "--out") -> Iterator[Path]:
    """Hold the advisory lock of ``folder`` (created if missing) for the block, or raise :class:`FolderBusy`.

    Re-entrant within one process (nested holds of one folder share the lock). The lock is an ``flock`` on
    ``folder/.lock``: the kernel releases it when the holder exits or is killed, so a stale lock file never
    blocks a later run.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(
            error.errno,
            f"cannot create the results folder {folder}: {error.strerror}; give a writable folder with {what}",
        ) from None
    key = os.path.realpath(folder)
    with _held_guard:
        if key in _held:
            _held[key][1] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield folder
        finally:
            with _held_guard:
                _held[key][1] -= 1
        return
    path = folder / LOCK_NAME
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise WriteError(
            error.errno, f"cannot write {path}: {error.strerror}; give a writable folder with {what}"
        ) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise WriteError(error.errno, f"cannot lock {path}: {error.strerror}") from None
        holder = lock_holder(folder) or {}
        who = f"pid {holder.get('pid', '?')}: {holder.get('command', 'command unknown')}"
        raise FolderBusy(
            f"{folder} is in use by another run ({who}); wait for it to finish, or give another folder with {what}"
        ) from None
    try:
        os.ftruncate(descriptor, 0)
        os.write(descriptor, json.dumps({"pid": os.getpid(), "command": _command_line()}).encode())
    except OSError:  # a full disk: the lock holds all the same, only the holder's name is missing
        pass
    with _held_guard:
        _held[key] = [descriptor, 1]
    try:
        yield folder
    finally:
        with _held_guard:
            del _held[key]
        os.close(descriptor)  # releases the flock


# ----------------------------------------------------------------------------- atomic writes
_TEMPORARY_SUFFIX = ".tmp"


def remove_temporaries(folder: str | os.PathLike[str]) -> None:
    """Remove :func:`atomic_path`'s temporary files under ``folder``: for a holder of the folder after an
    interrupt, which can land inside a ``with atomic_path(...)``'s enter and leave the file until the suspended
    generator is collected; only the folder's holder may call it (every temporary file there is its own)."""
    for leftover in Path(folder).rglob(f".*{_TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path of unique name beside ``path``; when the block succeeds, make it ``path``
    (mode 0644) with ``os.replace``. On any failure the temporary file is removed; an ``OSError`` comes back
    as :class:`WriteError` naming ``path``."""
    path = Path(path)
    # the name is chosen before the file exists, so an interrupt at any point (even inside the call that
    # creates it) leaves nothing behind: the cleanup below knows what to remove (mkstemp returns the name
    # only after creating the file)
    temporary = str(path.parent / f".{path.name}.{secrets.token_hex(8)}{_TEMPORARY_SUFFIX}")
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as error:
            raise _write_error(path, error) from None
        yield Path(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError) and not isinstance(error, WriteError):
            raise _write_error(path, error) from None
        raise


def _write_error(path: Path, error: OSError) -> WriteError:
    reason = error.strerror or str(error) or type(error).__name__
    hint = {
        errno.ENOSPC: "free some space or give another output folder",
        errno.EDQUOT: "free some space or give another output folder",
        errno.EROFS: "give a writable output folder",
        errno.EACCES: "give a writable output folder",
        errno.EPERM: "give a writable output folder",
    }.get(error.errno or 0, "check the folder")
    return WriteError(error.errno or 0, f"cannot write {path}: {reason}; {hint}")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`), flushed to disk."""
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


# ----------------------------------------------------------------------------- checked files
def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)


def content_checksum(value: Any) -> str:
    """SHA-256 of ``value`` in canonical JSON form (sorted keys, no spaces). Compute it on the value as read
    back from JSON (``json.loads(json.dumps(value))``) so that writer and reader hash the same text."""
    return hashlib.sha256(_canonical(value).encode()).hexdigest()


def set_aside(path: str | os.PathLike[str], reason: str, what: str = "file") -> Path:
    """Rename an invalid ``path`` to ``path.bad`` and say so on one line of stderr; returns the new path."""
    path = Path(path)
    aside = path.with_name(path.name + BAD_SUFFIX)
    with contextlib.suppress(OSError):
        os.replace(path, aside)
    print(f"warning: bad {what} {path} ({reason}); set aside as {aside.name}, recomputing", file=sys.stderr)
    return aside


def write_checked_json(path: str | os.PathLike[str], kind: str, key: str, payload: Any) -> Path:
    """Write ``payload`` atomically as a checked file: ``{kind, key, checksum, payload}``."""
    payload = json.loads(json.dumps(payload, default=_json_scalar))
    record = {"kind": kind, "key": key, "checksum": content_checksum(payload), "payload": payload}
    atomic_write_text(path, json.dumps(record, allow_nan=True))
    return Path(path)


def read_checked_json(
    path: str | os.PathLike[str],
    kind: str,
    key: str,
    validate: Callable[[Any], None] | None = None,
    what: str = "cache file",
) -> Any | None:
    """The payload of a checked file, or ``None`` when the file is missing or invalid (then it is set aside).

    Invalid: not JSON, not a checked record, another ``kind``, another parameter hash ``key``, a content
    checksum that does not match, or a payload that ``validate`` rejects (raising ``ValueError``).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or set(record) != {"kind", "key", "checksum", "payload"}:
            raise ValueError("not a checked record {kind, key, checksum, payload}")
        if record["kind"] != kind:
            raise ValueError(f"holds {record['kind']!r}, expected {kind!r}")
        if record["key"] != key:
            raise ValueError(f"belongs to other parameters (hash {record['key']}, expected {key})")
        if record["checksum"] != content_checksum(record["payload"]):
            raise ValueError("content checksum mismatch: the file was changed after it was written")
        if validate is not None:
            validate(record["payload"])
        return record["payload"]
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        set_aside(path, reason or type(error).__name__, what)
        return None


def _json_scalar(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return value
    return str(value)


# ----------------------------------------------------------------------------- command lines
def describe_os_error(error: OSError) -> str:
    """One line for an ``OSError``: the path and the reason."""
    if isinstance(error, WriteError):
        return str(error)
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error) or type(error).__name__


def interrupt_line(error: BaseException) -> str:
    """``interrupted; N cells kept, rerun to resume`` (or without the count where a run has no cells)."""
    kept = getattr(error, "kept", None)
    if kept is None:
        return "interrupted; rerun to resume"
    return f"interrupted; {kept} cell{'' if kept == 1 else 's'} kept, rerun to resume"


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def guarded_main(main: Callable[[], int]) -> int:
    """Run a command line's ``main``: SIGTERM is handled like Ctrl-C; Ctrl-C gives one line and status 130,
    an unhandled ``OSError`` one line naming the path and status 2 (never a traceback)."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return main()
    except KeyboardInterrupt as error:
        print(interrupt_line(error), file=sys.stderr)
        return 130
    except OSError as error:
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
