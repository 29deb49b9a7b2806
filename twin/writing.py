"""Writing outputs safely: one claim per target, atomic folders and files, the user's umask.

Every writer of a run folder, sweep folder or city folder goes through this module, so the
promises hold in one place:

* **One writer per target.** :func:`claim` takes an exclusive ``flock`` on ``.NAME.twin-lock``
  beside the target before any work starts; a second writer fails at once with one line naming
  the first (pid, host, start time). The kernel drops the lock when its process dies, so a
  killed writer never blocks the next one (which takes the lock over with a warning).
* **Nothing half-written, nothing lost.** A folder is written under a hidden temporary name
  ``.NAME.tmp-PID-XXXXXXXX`` and renamed into place when complete. Without ``force`` an
  existing target is never replaced. With ``force`` the old folder is first renamed to
  ``.NAME.old-PID-XXXXXXXX``, then the new one takes its name, then the old one is deleted; a
  writer killed between the two renames leaves the old folder under its hidden name, and the
  next writer into the same parent folder puts it back (:func:`clean_leftovers`).
* **Leftovers are cleaned.** Temporary folders and files of killed writers are removed (with a
  one-line warning naming them) by the next writer into the same parent folder, once it holds
  their target's claim (so nothing a live writer is using is ever touched).
* **The user's umask.** Temporary folders and files are created with modes 0o777 and 0o666 and
  the kernel applies the process umask (no ``mkdtemp``/``mkstemp``, which make them private):
  0755/0644 under umask 022, 0775/0664 under 002. This module is the only place that creates
  them.
* **One line on failure.** An ``OSError`` while writing (read-only folder, full disk, a file in
  the way) becomes a :class:`~twin.errors.TwinInputError` naming the target (:func:`output_errors`).
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import os
import re
import shutil
import signal
import socket
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from twin.errors import TwinInputError

LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}$")
"""Names of temporary and replaced outputs: ``.NAME.tmp-PID-XXXXXXXX``, ``.NAME.old-PID-XXXXXXXX``."""

CLAIM = re.compile(r"^\.(?P<name>.+)\.twin-lock$")
"""Names of claim files: ``.NAME.twin-lock`` beside the target NAME (see :func:`claim`)."""

CRASH_POINTS = ("claimed", "tmp-made", "written", "old-moved", "new-in-place", "installed")
"""Steps of :func:`atomic_folder` at which the kill tests stop the process (see ``_crash_point``)."""

_crash_at: str | None = None
"""Tests set this to one of :data:`CRASH_POINTS` in a child process to SIGKILL it at that step."""


class FolderBusy(TwinInputError):
    """Another live process holds the claim on the output folder."""


def _crash_point(step: str) -> None:
    """Kill this process (SIGKILL: no cleanup at all) when a test asked for it at ``step``."""
    if step == _crash_at:
        os.kill(os.getpid(), signal.SIGKILL)


NAME_RULE = ("1 to 100 letters, digits, '_', '-' or '.', not starting with '.' and without '..' "
             "(a file name, never a path)")
"""What a run or sweep name may be (it becomes a folder name under runs/)."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a run or sweep name (see :data:`NAME_RULE`), or None when it can."""
    if re.fullmatch(r"[^\W][\w.-]{0,99}", name) is None or ".." in name:
        got = repr(name) if len(name) <= 100 else f"{len(name)} characters"
        return f"must be {NAME_RULE}, got {got}"
    return None


def absolute(path: str | Path) -> Path:
    """``path`` made absolute without resolving links ('.' becomes the working folder's path)."""
    return Path(os.path.abspath(path))


def temp_name(target: Path, kind: str = "tmp") -> Path:
    """A fresh hidden sibling of ``target``: ``.NAME.KIND-PID-XXXXXXXX``."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{os.urandom(4).hex()}"


def make_temp_folder(target: Path) -> Path:
    """Create a hidden sibling folder of ``target``, mode 0o777 less the umask."""
    while True:
        path = temp_name(target)
        try:
            os.mkdir(path, 0o777)
            return path
        except FileExistsError:
            continue


@contextlib.contextmanager
def output_errors(target: str | Path) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing ``target`` into a one-line TwinInputError."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
        named = Path(str(exc.filename or ""))
        inside = any(LEFTOVER.match(part) for part in named.parts)  # our temporary names say nothing
        where = f" ({named})" if exc.filename and not inside and named.name != Path(target).name else ""
        raise TwinInputError(f"{target}: cannot write: {reason}{where}") from None


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path`` that replaces ``path`` if the block succeeds.

    The temporary file is created mode 0o666 less the umask; writers open it again by name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = temp_name(path)
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically (a reader sees the old file or the new one).

    An ``OSError`` (a folder in the way, a read-only folder, a full disk) becomes one line.
    """
    with output_errors(path), atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.twin-lock"


def _try_lock(target: Path) -> tuple[int, str] | str:
    """Lock ``target``'s claim file: (fd, what the file said) on success, else the holder's line."""
    lock = _lock_path(target)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            return holder or "twin process"
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a file its last holder unlinked while we waited for it
            return fd, os.pread(fd, 500, 0).decode("utf-8", "replace").strip()
        os.close(fd)


def _unlock(target: Path, fd: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_lock_path(target))
    os.close(fd)


@contextlib.contextmanager
def claim(target: str | Path, what: str = "twin process") -> Iterator[None]:
    """Hold the exclusive claim on ``target`` (a folder to be written) for the block.

    A second claim on the same target, from any process, fails at once with one line naming
    the holder. The claim of a killed process is free again (the kernel drops its lock) and
    is taken over with a warning.
    """
    shown, target = target, absolute(target)
    with output_errors(shown):
        got = _try_lock(target)
    if isinstance(got, str):
        raise FolderBusy(f"{shown}: another {got} is writing this folder; wait for it or choose "
                             "another --out")
    fd, previous = got
    if previous:
        warnings.warn(f"{shown}: took over the claim of a {previous}, no longer running",
                      stacklevel=3)
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    line = f"{what} (pid {os.getpid()} on {socket.gethostname()}, started {started})"
    os.ftruncate(fd, 0)
    os.pwrite(fd, line.encode(), 0)
    try:
        _crash_point("claimed")
        yield
    finally:
        _unlock(target, fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _settle(target: Path, leftovers: list[Path]) -> list[str]:
    """Put back a replaced folder whose replacement was killed, delete the rest; what was done."""
    done = []
    for path in sorted(leftovers, key=lambda p: LEFTOVER.match(p.name)["kind"] != "old"):
        if LEFTOVER.match(path.name)["kind"] == "old" and not os.path.lexists(target):
            os.rename(path, target)
            done.append(f"restored {target.name} from {path.name} (a --force replacement was killed)")
        else:
            _remove(path)
            done.append(f"removed {path.name}")
    return done


def clean_leftovers(parent: Path, held: Path | None = None) -> list[str]:
    """Settle the leftovers of killed writers in ``parent``; warn once naming what was done.

    ``held`` is a target whose claim the caller already holds; every other target's leftovers
    are touched only after taking its claim (a live writer's are left alone).
    """
    by_target: dict[str, list[Path]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            match = LEFTOVER.match(entry.name) or CLAIM.match(entry.name)
            if match:
                by_target.setdefault(match["name"], []).append(parent / entry.name)
    done: list[str] = []
    for name, paths in sorted(by_target.items()):
        target = parent / name
        paths = [p for p in paths if not CLAIM.match(p.name)]
        if held is not None and target == held:
            done += _settle(target, paths)
            continue
        got = _try_lock(target)
        if isinstance(got, str):
            continue  # a live writer owns these
        try:
            done += _settle(target, paths)
        finally:
            _unlock(target, got[0])
        if got[1]:  # the claim file of a killed writer (a free claim file is empty)
            done.append(f"removed {_lock_path(target).name}")
    if done:
        warnings.warn(f"{parent}: left by killed writers: " + "; ".join(done), stacklevel=3)
    return done


def _holders(out: Path, protect: Iterable[Path]) -> str | None:
    """What ``out`` (an existing folder) holds that must never be replaced, or None."""
    import twin

    real = out.resolve()
    named = [(Path.cwd(), "the working folder"), (Path(twin.__file__).parent, "the twin package")]
    named += [(Path(p), str(p)) for p in protect]
    for path, label in named:
        resolved = path.resolve()
        if resolved == real or real in resolved.parents:
            return label
    return None


def check_target(out: str | Path, force: bool, protect: Iterable[Path] = ()) -> None:
    """Refuse an existing target unless ``force``, a target that holds ``protect``, the working
    folder or the twin package, a target that is not a folder, and a parent we cannot write."""
    path = absolute(out)
    if os.path.lexists(path):
        if not path.is_dir():
            raise TwinInputError(f"{out}: exists and is not a folder; choose another --out")
        holds = _holders(path, protect)
        if holds is not None:
            raise TwinInputError(f"{out}: refusing to write over a folder that holds {holds}; "
                                 "choose a new --out")
        if not force:
            raise TwinInputError(f"{out}: the output folder exists; pass --force to replace it")
    _check_parent(out, path)


def _check_parent(out: str | Path, path: Path) -> None:
    """Refuse ``path`` (``out`` made absolute) whose nearest existing parent is a file or read-only."""
    parent_existing = path.parent
    while not parent_existing.exists():
        parent_existing = parent_existing.parent
    if not parent_existing.is_dir():
        raise TwinInputError(f"{out}: cannot write under {parent_existing} (a file)")
    if not os.access(parent_existing, os.W_OK):
        raise TwinInputError(f"{out}: cannot write into {parent_existing}")


def check_file_target(out: str | Path) -> None:
    """Refuse, before any work, an output file that :func:`atomic_file` could not write: a path that
    is a folder, lies under a file, or lies in a folder we cannot write into."""
    path = absolute(out)
    if path.is_dir():
        raise TwinInputError(f"{out}: cannot write: it is a folder; name a file")
    _check_parent(out, path)


def _install(tmp: Path, out: Path, force: bool) -> None:
    """Give the finished folder ``tmp`` the name ``out``: old or new is in place at every step."""
    if not force or not os.path.lexists(out):
        try:
            os.rename(tmp, out)  # fails on an existing folder with contents: never replaces one
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
                raise TwinInputError(f"{out}: appeared while this output was written; not replaced "
                                     "(pass --force to replace it)") from None
            raise
        return
    old = temp_name(out, "old")
    os.rename(out, old)
    _crash_point("old-moved")
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    _crash_point("new-in-place")
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(out: str | Path, force: bool = False, *, what: str = "twin process",
                  protect: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``out`` only if the block finishes without error.

    The claim on ``out`` is taken first (before the block's work), leftovers of killed writers
    beside ``out`` are settled, and ``out`` is checked again under the claim. ``protect`` are
    paths (the scenario file ...) that a replaced ``out`` must not hold.
    """
    path = absolute(out)
    protect = tuple(protect)
    check_target(out, force, protect)
    with output_errors(out):
        path.parent.mkdir(parents=True, exist_ok=True)
    with claim(out, what):
        with output_errors(out):
            clean_leftovers(path.parent, held=path)
            check_target(out, force, protect)
            tmp = make_temp_folder(path)
        _crash_point("tmp-made")
        try:
            yield tmp
            _crash_point("written")
            with output_errors(out):
                _install(tmp, path, force)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _crash_point("installed")
