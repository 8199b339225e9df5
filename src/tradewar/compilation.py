"""A persistent cache of compiled solvers, in the user's cache folder.

JAX compiles every solver the first time a process needs it (about half of a cold
``tradewar run``). The command line keeps the compiled programs in
``$TRADEWAR_CACHE_DIR``, else ``$XDG_CACHE_HOME/tradewar/jax``, else ``~/.cache/tradewar/jax``,
so later processes load them instead. ``TRADEWAR_NO_CACHE=1`` turns it off;
``tradewar cache --clear`` empties it. Python users opt in with `enable_compilation_cache`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from tradewar.errors import OutputError

#: The file that marks a folder as tradewar's compilation cache (only such a folder is cleared).
MARKER = ".tradewar-compilation-cache"
#: The names of the files JAX's persistent cache writes (the only files a clear removes).
CACHE_ENTRY = re.compile(r"^[A-Za-z0-9_.]+-[0-9a-f]{64}-(cache|atime)$")


def cache_dir() -> Path:
    """Where compiled solvers are kept (see the module docstring)."""
    if os.environ.get("TRADEWAR_CACHE_DIR"):
        return Path(os.environ["TRADEWAR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tradewar" / "jax"


def enable_compilation_cache(path: str | os.PathLike[str] | None = None) -> Path | None:
    """Keep compiled solvers in ``path`` (default `cache_dir`); None if turned off or unusable.

    Call it before the first solve of a process. A folder that cannot be created, or one that
    already holds other files and is not marked as tradewar's, leaves the cache off (solves are
    then compiled as usual), never an error.
    """
    if path is None and os.environ.get("TRADEWAR_NO_CACHE", "") not in ("", "0"):
        return None
    folder = Path(path) if path is not None else cache_dir()
    try:
        if folder.is_dir() and not (folder / MARKER).is_file() and any(folder.iterdir()):
            return None  # someone else's folder: never adopted, so never cleared
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).touch()
    except OSError:
        return None
    settings = {
        "jax_compilation_cache_dir": str(folder),
        "jax_persistent_cache_min_compile_time_secs": 0.0,
        "jax_persistent_cache_min_entry_size_bytes": 0,
    }
    jax = sys.modules.get("jax")
    if jax is not None:
        for name, value in settings.items():
            jax.config.update(name, value)
    else:
        # JAX reads its settings from the environment when it is first imported: a command
        # that never solves (bad input, --help, describe) does not pay for importing JAX here.
        for name, value in settings.items():
            os.environ[name.upper()] = str(value)
    return folder


def clear_compilation_cache(path: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """Delete the cached programs; returns ``(files, bytes)`` removed.

    Only a folder tradewar made (it holds the marker file) is cleared, and in it only the
    files JAX writes (named ``<program>-<64 hex digits>-cache``, with their ``-atime``
    companions): anything a user put there stays. A folder without the marker raises
    `OutputError`.
    """
    folder = Path(path) if path is not None else cache_dir()
    if not folder.exists():
        return 0, 0
    if not (folder / MARKER).is_file():
        raise OutputError(
            "is not tradewar's compilation cache (no marker file); not cleared", path=str(folder)
        )
    files, size = 0, 0
    for entry in folder.iterdir():
        if entry.is_file() and not entry.is_symlink() and CACHE_ENTRY.match(entry.name):
            size += entry.stat().st_size
            entry.unlink()
            files += 1
    return files, size
