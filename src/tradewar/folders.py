"""Output folders written whole or not at all, and never over files tradewar did not write.

Every folder tradewar writes (``run --out``, reports, world packages) goes through
`write_folder`:

1. the target is checked before any work: not a file or a link, not the working directory or a
   folder above it, and either new, empty, or a folder tradewar wrote (its ``manifest.json``
   names a tradewar version); anything else is refused unless ``force`` is given;
2. a lock on the target makes a second writer fail at once instead of interleaving;
3. the new content is built in a hidden sibling folder, its ``manifest.json`` listing every file
   with its SHA-256;
4. the two folders are swapped in one atomic step (Linux ``renameat2`` with
   ``RENAME_EXCHANGE``), so the target path always holds either the old folder or the new one,
   and only then is the old content removed.

A process killed at any point leaves the target as it was or complete (at worst a hidden
``.NAME.tmp-*`` sibling, or an empty new target, remains).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tradewar.errors import OutputError

MANIFEST = "manifest.json"


def tradewar_version() -> str:
    """The installed tradewar version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tradewar")
    except PackageNotFoundError:  # running from a source tree
        return "0.1.0"


def is_tradewar_folder(path: Path) -> bool:
    """True if ``path`` holds a ``manifest.json`` that tradewar wrote."""
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "tradewar_version" in data


def check_output_folder(target: str | os.PathLike[str], force: bool = False) -> Path:
    """Check that ``target`` may be (over)written; `OutputError` saying why not.

    Call this before long work, so that a bad ``--out`` fails in a second, not after the solve.
    """
    path = Path(target)
    text = os.fspath(target)
    if "\x00" in text:
        raise OutputError("the path contains a NUL byte", path=repr(text))
    if path.is_symlink():
        raise OutputError(
            "is a symbolic link; give the folder itself (tradewar does not write through links)",
            path=text,
        )
    if path.exists() and not path.is_dir():
        raise OutputError("is a file, not a folder", path=text)
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise OutputError(
            "is the working directory or a folder above it; give a new folder, e.g. --out results",
            path=text,
        )
    if resolved == Path.home().resolve() or resolved == Path(resolved.anchor):
        raise OutputError("is a home or root folder; give a new folder", path=text)
    parent = _existing_ancestor(resolved.parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {parent} (permission denied)", path=text)
    if path.is_dir() and not force:
        _refuse_foreign(path)
    return path


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _refuse_foreign(path: Path) -> None:
    """Refuse a folder that holds anything tradewar did not write, or changed since.

    A folder is tradewar's only if its manifest lists every file in it (folders aside) with the
    digest the file still has: a file added or edited after tradewar wrote the folder would be
    lost when it is replaced, so it is not replaced without ``--force``.
    """
    try:
        entries = sorted(p.name for p in path.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot be read: {exc.strerror}", path=str(path)) from None
    if not entries:
        return
    foreign = entries if not is_tradewar_folder(path) else _not_written(path)
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise OutputError(
            f"holds files tradewar did not write or that changed since ({shown}); give a new "
            "or empty folder, or pass --force (force=True) to replace it",
            path=str(path),
        )


def _not_written(path: Path) -> list[str]:
    """Entries of a tradewar folder that its manifest does not vouch for (sorted)."""
    try:
        listed = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return [MANIFEST]
    if not isinstance(listed, dict):
        return [MANIFEST]

    def vouched(entry: Path, name: str) -> bool:
        if entry.is_symlink():
            return False
        if entry.is_dir() or name == MANIFEST:
            return True
        return name in listed and entry.is_file() and file_digest(entry) == listed[name]

    return [
        name
        for entry in sorted(path.rglob("*"))
        if not vouched(entry, name := str(entry.relative_to(path)))
    ]


def file_digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``folder/manifest.json``: ``manifest``, the tradewar version and file digests.

    Every file's SHA-256 is listed, so a reader can tell that the files belong together.
    """
    from tradewar.jsonsafe import dumps

    files = {
        str(p.relative_to(folder)): file_digest(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    full = {"tradewar_version": tradewar_version(), **manifest, "files": files}
    (folder / MANIFEST).write_text(dumps(full, indent=2) + "\n", encoding="utf-8")


def verify_folder(folder: str | os.PathLike[str]) -> bool:
    """True if ``folder`` is complete: its manifest lists exactly its files, digests matching."""
    path = Path(folder)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest["files"]
        present = {
            str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() and p.name != MANIFEST
        }
        return set(listed) == present and all(
            file_digest(path / name) == digest for name, digest in listed.items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def write_folder(
    target: str | os.PathLike[str],
    fill: Callable[[Path], dict[str, Any]],
    *,
    force: bool = False,
) -> Path:
    """Write a folder atomically: ``fill(tmp)`` writes the files and returns the manifest.

    See the module docstring for the guarantees. Raises `OutputError` when the target may
    not be written or another process is writing it.
    """
    path = check_output_folder(target, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = False
    try:
        path.mkdir()
        created = True
    except FileExistsError:
        pass
    except OSError as exc:
        raise OutputError(f"cannot be created: {exc.strerror}", path=str(path)) from None
    lock = _lock(path)
    tmp: Path | None = None
    try:
        _remove_stale_temporaries(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
        tmp.chmod(0o755)
        manifest = fill(tmp)
        write_manifest(tmp, manifest)
        if not force:
            _refuse_foreign(path)  # nothing foreign appeared while we worked
        _exchange(tmp, path)
        # ``tmp`` now holds the previous content: tradewar's own, empty, or forced.
        shutil.rmtree(tmp, ignore_errors=True)
        tmp = None
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()  # only if still empty
        raise
    finally:
        os.close(lock)
    return path


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary folders that killed writers of ``path`` left beside it.

    Called with ``path``'s lock held: a writer takes the lock before it makes its temporary
    folder and removes that folder before it lets go, so every ``.NAME.tmp-XXXXXXXX`` folder
    (the exact name `tempfile.mkdtemp` gives ours) found now belongs to a writer that died.
    Links and anything not named that way are left alone.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.tmp-[A-Za-z0-9_]{{8}}")
    for candidate in path.parent.iterdir():
        if pattern.fullmatch(candidate.name) and candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)


def _lock(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputError(
            "another tradewar process is writing this folder; wait for it or choose another",
            path=str(path),
        ) from None
    return fd


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step where the system allows it, else in two renames."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if rc == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(b))
    backup = a.with_name(a.name + ".old")
    os.rename(b, backup)
    os.rename(a, b)
    os.rename(backup, a)
