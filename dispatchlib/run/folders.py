"""Where a run may write: safe run names, the reports folder (never ``notebooks/`` or ``data/``),
which folders a run may replace (:func:`written_by_run`), locks (``reports/.<run>.lock``) and
the swap of a finished run into place.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Callable, Collection
from pathlib import Path

from dispatchlib import paths
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.paths import protected
from dispatchlib.run import run_record

SAFE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")

NAME_RULE = ("letters, digits, '.', '-' and '_' only, starting with a letter or digit, "
             "at most 100 characters")

class BadName(ParameterError):
    """A run or sweep name that is not a plain, safe folder name."""

    def __init__(self, what: str, name: object):
        super().__init__(what, name, NAME_RULE)
        self.args = (f"{what} {name!r} is not allowed: expected {NAME_RULE}",)

def check_name(name: str, what: str = "run name") -> str:
    """Return ``name`` if it is a safe folder name, else raise ParameterError.

    >>> check_name("high-2025")
    'high-2025'
    """
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise BadName(what, name)
    return name

def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, resolved, checked to lie inside ``root`` (symbolic links followed).

    Raises
    ------
    DispatchlibError
        If the path would leave ``root``.
    """
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise DispatchlibError(f"refusing to write {target}: it is outside {base}")
    return target

def reports_root(out: Path | str | None = None) -> Path:
    """The reports folder a command writes into: ``out`` (``--out``), else the default
    (``reports/``, or ``DISPATCHLIB_REPORTS_DIR``), checked by :func:`check_out`."""
    if out is not None:
        return check_out(out)
    return check_out(paths.reports_dir(), "DISPATCHLIB_REPORTS_DIR"
                     if os.environ.get("DISPATCHLIB_REPORTS_DIR") else "--out")

def check_out(out: Path | str, option: str = "--out") -> Path:
    """The folder a command writes into, resolved, if it is allowed; it is not created.

    Refused: a folder inside ``notebooks/`` or ``data/`` (or one of them), the repository's
    root or any folder holding ``notebooks/`` or ``data/`` (a run named ``notebooks`` there
    would replace the lessons), an existing file, and a path the system cannot take (too long).

    Raises
    ------
    ParameterError
        Naming ``option``, the path given and what is allowed.
    """
    typed_path = str(out)
    try:
        target = Path(out).expanduser().resolve()
        os.stat(target)
    except FileNotFoundError:
        pass
    except (OSError, RuntimeError) as exc:  # ENAMETOOLONG, ELOOP, ...
        why = getattr(exc, "strerror", None) or str(exc)
        raise ParameterError(option, typed_path, f"a folder path the system accepts ({why}, "
                             f"{len(typed_path)} characters)") from None
    root = paths.ROOT.resolve()
    if target == root or target in root.parents:
        raise ParameterError(option, typed_path, f"a folder that is not the repository {root} and "
                             "does not hold it (a run there could replace notebooks/ or data/);"
                             " the default is reports/")
    for folder in protected():
        if target == folder or folder in target.parents:
            raise ParameterError(option, typed_path, f"a folder outside {folder} (nothing is ever "
                                 "written into the lessons or the data)")
        if target in folder.parents:
            raise ParameterError(option, typed_path, f"a folder that does not hold {folder} "
                                 "(writing there could replace it); the default is reports/")
    if target.exists() and not target.is_dir():
        raise ParameterError(option, typed_path, "a folder, not an existing file")
    return target

RUN_SUFFIXES = (".ipynb", ".html", ".log", ".results.json")

"""What a run writes per notebook ``<stem>``, besides its ``run.json`` and ``index.html``."""

class NotReplaceable(DispatchlibError):
    """A run folder that holds something a run of this name may not replace."""

def written_by_run(folder: Path) -> dict | None:
    """The ``run.json`` record of ``folder`` if the folder is provably a run's, else ``None``.

    Provably a run's: it holds a ``run.json`` naming this folder's run, and nothing but the
    files a run writes (``run.json``, ``index.html`` and, per notebook of that record, its
    executed copy, page, log and results).
    """
    record = run_record.read_or_none(folder)
    if record is None or record.get("name") != folder.name:
        return None
    allowed = {"run.json", "index.html"} | {
        f"{stem}{suffix}" for stem in record["notebooks"] for suffix in RUN_SUFFIXES}
    for entry in folder.iterdir():
        if entry.name not in allowed or entry.is_symlink() or not entry.is_file():
            return None
    return record

def _check_replaceable(folder: Path, stems: Collection[str] | None = None,
                       replace: bool = False, sweep: str | None = None) -> str | None:
    """Refuse ``folder`` unless a run may write there; return what it would replace.

    A run writes into a missing or empty folder, or replaces an earlier run of the same name,
    the same notebooks (``stems``) and the same sweep (:func:`written_by_run`). Anything else
    (a user's files, a run of other notebooks) is replaced only when ``replace`` is true.

    Returns
    -------
    str or None
        A short description of the earlier content that will be replaced, or ``None``.

    Raises
    ------
    NotReplaceable
        Naming the folder, what it holds, and ``--replace`` or another name as the way on.
    """
    way = "give --replace to replace it, or choose another --name"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise NotReplaceable(f"{folder} is not a folder: not writing a run there")
    if not folder.exists() or not any(folder.iterdir()):
        return None
    record = written_by_run(folder)
    if record is None:
        if replace:
            return "a folder that is not a run (--replace)"
        if not (folder / "run.json").is_file():
            raise NotReplaceable(f"{folder} exists and is not a run folder (no run.json): not "
                                 f"overwriting it; {way}")
        raise NotReplaceable(f"{folder} is not a run folder (it holds files no run wrote, or "
                             f"a broken run.json): not overwriting it; {way}")
    earlier = sorted(record["notebooks"])
    if stems is not None and sorted(stems) != earlier and not replace:
        raise NotReplaceable(
            f"{folder} holds an earlier run {folder.name!r} of other notebooks "
            f"({', '.join(earlier) or 'none'}; this run: {', '.join(sorted(stems))}): not "
            f"replacing it; {way}")
    if record.get("sweep") != sweep and not replace:
        where = f"sweep {record.get('sweep')!r}" if record.get("sweep") else "no sweep"
        raise NotReplaceable(f"{folder} holds a run of {where}: not replacing it; {way}")
    return f"the earlier run {folder.name!r}"

class RunLocked(DispatchlibError):
    """Another process is writing a run of the same name into the same reports folder."""

def _lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"

def _staging(folder: Path, what: str) -> Path:
    return folder.parent / f".{folder.name}.{what}"

_HELD_LOCKS: set[int] = set()

def _close_held_locks() -> None:
    """In a forked child (a worker): close the run locks' descriptors it inherited, so that
    only the runner holds them, and a worker left behind by a killed runner cannot keep a run
    name locked."""
    for fd in _HELD_LOCKS:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks)

def lock(folder: Path, what: str = "run") -> int:
    """Take the lock of a run folder, ``.<run>.lock`` beside it; return its file descriptor.

    The lock is an ``flock`` on that file, which the system drops when the process ends however
    it ends, so a killed run never leaves a stale lock behind. (Where Python has no ``fcntl``,
    on Windows, the file is made but no lock is taken.)

    Raises
    ------
    RunLocked
        When another process holds it: a run of the same name into the same folder.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None
    path = _lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLocked(
                f"{what} {folder.name!r} is already being written into {folder.parent} by "
                f"another process (it holds {path.name}): wait for that {what} to finish, or "
                "choose another --name") from None
        try:
            mine = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            mine = False
        if mine:
            _HELD_LOCKS.add(fd)
            return fd
        os.close(fd)  # its holder removed the file as we opened it: lock the new one

def unlock(folder: Path, fd: int) -> None:
    """Release a lock taken with :func:`lock` and remove its file."""
    try:
        _lock_path(folder).unlink(missing_ok=True)
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)

def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Returns False where the system cannot do that (then nothing was changed).
    """
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))

def _publish(work: Path, folder: Path, check: Callable[[Path], object] = _check_replaceable
             ) -> None:
    """Put a finished run (``work``) in the place of ``folder``, replacing an earlier run whole.

    On Linux both folders are swapped in one step, so ``folder`` holds the complete earlier run
    or the complete new one at every moment; elsewhere it is missing between two renames.
    ``check(folder)`` runs first: it raises if ``folder`` may not be replaced.
    """
    if not (folder.exists() or folder.is_symlink()):
        os.rename(work, folder)
        return
    check(folder)
    if not _exchange(work, folder):
        old = _staging(folder, "old")
        os.rename(folder, old)
        os.rename(work, folder)
        work = old
    shutil.rmtree(work)
