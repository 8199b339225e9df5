"""The worlds the web app may use: bundled datasets, and world packages uploaded as zip files.

A client names a world, never a path: a name is letters, digits, ``_``, ``-`` and ``.``
(starting with a letter or digit), looked up among the bundled datasets and then in the
server's ``worlds/`` folder. Uploads are unpacked into a hidden folder beside it, validated by
the same reader as ``tradewar describe`` (every accounting identity is checked), and renamed
into place only if valid.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import tempfile
import threading
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path, PurePosixPath
from typing import Any

from tradewar.data.inspect import check_in_child
from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.datasets import is_dataset, list_datasets
from tradewar.errors import DataError, ScenarioError

#: A world (or preset) name a client may give.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Files a world package may hold (flat, no folders).
ALLOWED_SUFFIXES = (".toml", ".csv", ".parquet")
#: The manifest `tradewar.write_world` writes beside a package: accepted in an upload and left
#: out (the reader never uses it, and the stored world gets no file tradewar did not check).
WRITTEN_MANIFEST = "manifest.json"
MAX_FILES = 64


class WorldExists(Exception):
    """An upload named a world that is already there (bundled or uploaded)."""


def check_name(name: object, field: str = "world") -> str:
    """``name`` if it is a valid world name; otherwise `ScenarioError` naming ``field``."""
    if not isinstance(name, str) or not NAME.match(name) or ".." in name:
        raise ScenarioError(
            f"'{name}' is not a world name (letters, digits, '_', '-' and '.'; not a path)",
            key=field,
        )
    return name


class WorldRegistry:
    """Bundled and uploaded worlds, with a small cache of loaded ones.

    Parameters
    ----------
    folder
        Where uploaded world packages are kept, one folder per world name.
    max_upload_bytes
        Largest zip accepted; the unpacked files may total at most four times this.
    max_world_cells
        Most bilateral cells (countries x countries x sectors) of an uploaded world: bounds
        the memory a world takes when it is solved here.
    cache_size
        Loaded worlds kept in memory.
    check_timeout_s
        Seconds the check of one upload (in a child process) may take.
    """

    def __init__(
        self,
        folder: Path,
        max_upload_bytes: int,
        max_world_cells: int = 4_000_000,
        *,
        cache_size: int = 8,
        check_timeout_s: float = 300.0,
    ) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_upload_bytes = max_upload_bytes
        self.max_world_cells = max_world_cells
        self.check_timeout_s = check_timeout_s
        #: At most two uploads are checked at once (each in its own process); others wait.
        self._checks = threading.BoundedSemaphore(2)
        self._cache: OrderedDict[str, World] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lookup
    def uploaded(self) -> list[str]:
        """Names of the uploaded worlds."""
        return sorted(
            p.name
            for p in self.folder.iterdir()
            if p.is_dir() and NAME.match(p.name) and (p / "world.toml").is_file()
        )

    def listing(self) -> list[dict[str, Any]]:
        """Every world: the bundled ones (as `tradewar.list_datasets`) and the uploaded ones."""
        rows = [{**d, "bundled": True} for d in list_datasets()]
        for name in self.uploaded():
            world = self.load(name)
            rows.append(
                {
                    "name": name,
                    "description": str(world.meta.get("description", "")),
                    "year": world.meta.get("year"),
                    "unit": world.unit,
                    "countries": world.n_countries,
                    "sectors": world.n_sectors,
                    "source": str(world.meta.get("source", "")),
                    "citation": str(world.meta.get("citation", "")),
                    "license": str(world.meta.get("license", "")),
                    "bundled": False,
                }
            )
        return rows

    def resolve(self, name: object, field: str = "world") -> str:
        """What `tradewar.load_world` should be given for the world ``name``.

        Raises `ScenarioError` naming ``field`` for an invalid or unknown name.
        """
        name = check_name(name, field)
        if is_dataset(name):
            return name
        path = self.folder / name
        if (path / "world.toml").is_file():
            return str(path)
        known = [d["name"] for d in list_datasets()] + self.uploaded()
        raise ScenarioError(f"unknown world '{name}'; available: {', '.join(known)}", key=field)

    def load(self, name: object, field: str = "world") -> World:
        """The world ``name`` (cached)."""
        source = self.resolve(name, field)
        with self._lock:
            if source in self._cache:
                self._cache.move_to_end(source)
                return self._cache[source]
        world = load_world(source)
        with self._lock:
            self._cache[source] = world
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return world

    def delete(self, name: str) -> None:
        """Remove the uploaded world ``name`` and forget it (`ScenarioError` if not uploaded)."""
        name = check_name(name, "name")
        if name not in self.uploaded():
            raise ScenarioError(f"no uploaded world '{name}'", key="name")
        source = str(self.folder / name)
        with self._lock:
            self._cache.pop(source, None)
        shutil.rmtree(self.folder / name)

    # ------------------------------------------------------------------ upload
    def upload(self, data: bytes) -> dict[str, Any]:
        """Unpack, validate and store a zipped world package; returns its summary.

        The zip holds ``world.toml`` and the package's CSV or Parquet files, at its top level
        or in one folder. Raises `DataError` for a bad archive or package (naming the file and
        what is wrong), `WorldExists` if the name is taken.
        """
        if len(data) > self.max_upload_bytes:
            raise DataError(
                f"the upload is {len(data):,} bytes; the limit is {self.max_upload_bytes:,}",
                file="upload",
            )
        members = _members(data, 4 * self.max_upload_bytes)
        staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.folder))
        try:
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for info, name in members:
                        _unpack(archive, info, staging / name)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise DataError(f"a damaged zip: {exc}", file="upload") from None
            if not (staging / "world.toml").is_file():
                raise DataError("the zip holds no world.toml", file="upload")
            with self._checks:
                checked = check_in_child(staging, self.max_world_cells, self.check_timeout_s)
            name = check_name(checked["name"], "world.toml: name")
            if is_dataset(name):
                raise WorldExists(f"'{name}' is a bundled world; rename the upload")
            target = self.folder / name
            try:
                staging.rename(target)
            except OSError:
                raise WorldExists(f"a world named '{name}' was already uploaded") from None
            staging = target
            return {**checked["summary"], "name": name}
        finally:
            if staging.name.startswith(".upload-"):
                shutil.rmtree(staging, ignore_errors=True)


#: Bytes inflated at a time: the most an entry holds in memory while it is unpacked.
CHUNK = 1 << 20


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Inflate one entry to ``target`` a chunk at a time, never past its declared size.

    The declared sizes were checked against the limits (`_members`); an entry that inflates to
    more than it declares (a zip bomb that lies in its header) is stopped at the first chunk
    beyond, so neither memory nor disk grows past the limits.
    """
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise DataError(
                    f"'{info.filename}' inflates to more than the {info.file_size:,} bytes "
                    "its header declares",
                    file="upload",
                )
            out.write(chunk)


def _members(data: bytes, max_unpacked: int) -> list[tuple[zipfile.ZipInfo, str]]:
    """The files of a world zip with their flat names; `DataError` for anything unsafe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError("not a zip file", file="upload") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_FILES:
        raise DataError(f"the zip holds {len(infos)} files; at most {MAX_FILES}", file="upload")
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        raise DataError(
            f"the zip unpacks to {total:,} bytes; the limit is {max_unpacked:,}", file="upload"
        )
    paths, kept = [], []
    for info in infos:
        path = PurePosixPath(info.filename)
        mode = info.external_attr >> 16
        if (
            path.is_absolute()
            or "\\" in info.filename
            or any(part in ("", ".", "..") for part in path.parts)
            or stat.S_ISLNK(mode)
            or len(path.parts) > 2
        ):
            raise DataError(f"unsafe or nested path '{info.filename}' in the zip", file="upload")
        if path.name == WRITTEN_MANIFEST:
            continue  # what `write_world` adds: left out, as the reader never uses it
        if path.suffix not in ALLOWED_SUFFIXES:
            raise DataError(
                f"'{info.filename}': a world package holds only "
                f"{', '.join(ALLOWED_SUFFIXES)} files",
                file="upload",
            )
        paths.append(path)
        kept.append(info)
    folders = {p.parts[0] for p in paths if len(p.parts) == 2}
    if len(folders) > 1 or (folders and any(len(p.parts) == 1 for p in paths)):
        raise DataError("the zip must hold one world package (one folder at most)", file="upload")
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise DataError("the zip holds the same file twice", file="upload")
    return list(zip(kept, names, strict=True))
