"""In CI (``TRADEWAR_NO_SKIPS=1``, set by `.ci/run`) a skipped test fails the run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

SKIPPING = """
import pytest

pytest.importorskip("a_module_that_is_not_installed")


def test_never_reached():
    pass
"""


def run(folder: Path, no_skips: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRADEWAR_NO_SKIPS": "1" if no_skips else "0"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_skip_fails_where_skips_are_forbidden(tmp_path):
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_skipping.py").write_text(SKIPPING, encoding="utf-8")
    (tmp_path / "test_skip_inside.py").write_text(
        "import pytest\n\n\ndef test_skips():\n    pytest.skip('no data')\n", encoding="utf-8"
    )
    allowed = run(tmp_path, no_skips=False)
    assert allowed.returncode == 0 and "2 skipped" in allowed.stdout, allowed.stdout
    forbidden = run(tmp_path, no_skips=True)
    assert forbidden.returncode != 0
    assert forbidden.stdout.count("skipped where TRADEWAR_NO_SKIPS=1 forbids it") >= 2
