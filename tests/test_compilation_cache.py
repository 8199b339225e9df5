"""The persistent cache of compiled solvers: written, used, cleared, never someone else's folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar.compilation import MARKER, clear_compilation_cache
from tradewar.errors import OutputError

ROOT = Path(__file__).parents[1]


def _run(args, cache: Path | None, **env):
    environ = {k: v for k, v in os.environ.items() if k != "TRADEWAR_NO_CACHE"}
    if cache is not None:
        environ["TRADEWAR_CACHE_DIR"] = str(cache)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tradewar.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.slow
def test_the_cli_keeps_compiled_solvers_and_clears_them(tmp_path):
    cache = tmp_path / "cache"
    first = _run(["run", "scenarios/cp2015_nafta.toml", "--json"], cache)
    assert first.returncode == 0, first.stderr
    programs = [p for p in cache.iterdir() if p.name != MARKER]
    assert programs and (cache / MARKER).is_file()
    again = _run(["run", "scenarios/cp2015_nafta.toml", "--json"], cache)
    assert again.stdout == first.stdout  # the same numbers from the cached programs
    shown = _run(["cache"], cache)
    assert f"{len(programs)} cached programs" in shown.stdout
    cleared = _run(["cache", "--clear"], cache)
    assert cleared.returncode == 0 and f"removed {len(programs)}" in cleared.stdout
    assert [p.name for p in cache.iterdir()] == [MARKER]
    off = tmp_path / "off"
    assert _run(["run", "scenarios/cp2015_nafta.toml"], off, TRADEWAR_NO_CACHE="1").returncode == 0
    assert not off.exists()


def test_a_folder_tradewar_did_not_make_is_never_cleared(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not tradewar's compilation cache"):
        clear_compilation_cache(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    result = _run(["cache", "--clear"], tmp_path)  # the CLI does not adopt it either
    assert result.returncode == 2 and (tmp_path / "notes.txt").exists()
    assert not (tmp_path / MARKER).exists()


def test_clearing_an_adopted_folder_removes_only_the_cached_programs(tmp_path):
    # An empty folder given as the cache is adopted; what the user puts there later stays.
    cache = tmp_path / "d"
    cache.mkdir()
    (cache / MARKER).touch()  # as enable_compilation_cache adopts an empty folder
    program = cache / ("jit__solve_jit-" + "0" * 64 + "-cache")
    program.write_bytes(b"compiled")
    (cache / "thesis.docx").write_text("four years of work")
    (cache / "notes-cache").write_text("looks a bit like a cache entry")
    files, size = clear_compilation_cache(cache)
    assert (files, size) == (1, len(b"compiled"))
    assert not program.exists()
    assert (cache / "thesis.docx").read_text() == "four years of work"
    assert (cache / "notes-cache").exists()
