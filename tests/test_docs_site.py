"""The documentation site builds with no warning, and its API reference covers the public API."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import tradewar

ROOT = Path(__file__).parents[1]


def _documented() -> set[str]:
    """Every ``::: dotted.path`` that a page of docs/api asks mkdocstrings to render."""
    targets = set()
    for page in (ROOT / "docs" / "api").glob("*.md"):
        targets |= set(re.findall(r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), re.M))
    return targets


def test_every_public_name_is_in_the_api_reference():
    targets = _documented()
    missing = []
    for name, module in tradewar._EXPORTS.items():
        where = getattr(importlib.import_module(module), name).__module__
        covered = f"{where}.{name}" in targets or any(
            where == t or where.startswith(t + ".") for t in targets
        )
        if not covered:
            missing.append(f"{name} ({where})")
    assert not missing, missing


def test_the_site_builds_strictly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    solving = (tmp_path / "api" / "solving" / "index.html").read_text(encoding="utf-8")
    assert "run_scenario" in solving and "SolverOptions" in solving
    assert (tmp_path / "uncertainty" / "index.html").exists()


def test_public_functions_document_parameters_and_returns():
    """numpy-style sections on every public function of the facade."""
    import inspect

    missing = []
    for name, module in tradewar._EXPORTS.items():
        obj = getattr(importlib.import_module(module), name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        takes = bool(inspect.signature(obj).parameters)
        if takes and "Parameters\n----------" not in doc:
            missing.append(f"{name}: Parameters")
        if "Returns\n-------" not in doc:
            missing.append(f"{name}: Returns")
    assert not missing, missing
