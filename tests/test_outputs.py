"""Output folders: never over a user's files, whole or not at all, one writer at a time."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.folders import verify_folder, write_folder

runner = CliRunner()
HELPER = Path(__file__).parent / "helpers" / "slow_writer.py"

SCENARIO = """
name = "tiny test"
world = "tiny"

[[policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 25
"""


def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO)
    return path


def run_id(folder: Path) -> str:
    return json.loads((folder / "manifest.json").read_text()).get("run", "")


def test_out_on_a_folder_with_a_users_file_leaves_it_and_exits_2(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    res = runner.invoke(app, ["run", str(scenario(tmp_path)), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "did not write" in res.stderr and "thesis.tex" in res.stderr
    assert (out / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    res = runner.invoke(app, ["report", str(scenario(tmp_path)), "--out", str(out)])
    assert res.exit_code == 2 and (out / "thesis.tex").exists()
    world = tw.load_world("tiny")
    with pytest.raises(tw.OutputError, match="did not write"):
        tw.write_world(world, out)
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


def test_a_file_added_to_or_edited_in_a_tradewar_folder_is_never_replaced(tmp_path):
    # Once, a folder counted as tradewar's because of its manifest alone: a second run with
    # the same --out deleted the user's keep.txt.
    out = tmp_path / "out"
    path = str(scenario(tmp_path))
    assert runner.invoke(app, ["run", path, "--out", str(out)]).exit_code == 0
    (out / "keep.txt").write_text("mine")
    res = runner.invoke(app, ["run", path, "--out", str(out)])
    assert res.exit_code == 2 and "keep.txt" in res.stderr
    assert (out / "keep.txt").read_text() == "mine"
    (out / "keep.txt").unlink()
    assert runner.invoke(app, ["run", path, "--out", str(out)]).exit_code == 0  # whole again
    with (out / "results.parquet").open("ab") as fh:
        fh.write(b"an edit")  # a result file changed since tradewar wrote it
    res = runner.invoke(app, ["run", path, "--out", str(out)])
    assert res.exit_code == 2 and "results.parquet" in res.stderr
    assert (out / "results.parquet").read_bytes().endswith(b"an edit")
    sub = tmp_path / "out2"
    assert runner.invoke(app, ["run", path, "--out", str(sub)]).exit_code == 0
    (sub / "notes").mkdir()
    (sub / "notes" / "draft.md").write_text("mine")
    res = runner.invoke(app, ["run", path, "--out", str(sub)])
    assert res.exit_code == 2 and (sub / "notes" / "draft.md").exists()
    assert runner.invoke(app, ["run", path, "--out", str(sub), "--force"]).exit_code == 0


def test_out_dot_and_its_parents_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(SCENARIO)
    for target in (".", "..", str(tmp_path)):
        res = runner.invoke(app, ["run", "s.toml", "--out", target])
        assert res.exit_code == 2, target
        assert "working directory" in res.stderr
        res = runner.invoke(app, ["report", "s.toml", "--out", target, "--force"])
        assert res.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_out_that_is_a_file_a_link_or_unwritable_exits_2_before_solving(tmp_path):
    path = scenario(tmp_path)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    cases = [(a_file, "is a file"), (link, "symbolic link")]
    if os.geteuid() != 0:  # root ignores permissions
        cases.append((locked / "out", "permission denied"))
    for target, message in cases:
        start = time.perf_counter()
        res = runner.invoke(app, ["run", str(path), "--out", str(target), "--json"])
        assert res.exit_code == 2, (target, res.output)
        assert message in res.stderr
        assert res.stdout == ""
        assert time.perf_counter() - start < 5.0  # refused before the solve
    assert a_file.read_text() == "x" and not (tmp_path / "elsewhere").exists()


def test_a_tradewar_folder_is_replaced_whole_and_force_replaces_a_foreign_one(tmp_path):
    path = scenario(tmp_path)
    out = tmp_path / "results"
    assert runner.invoke(app, ["run", str(path), "--out", str(out)]).exit_code == 0
    assert verify_folder(out)
    assert runner.invoke(app, ["run", str(path), "--out", str(out)]).exit_code == 0
    assert verify_folder(out)  # replaced whole
    (out / "stray.txt").write_text("left by hand")  # the manifest does not list it
    assert not verify_folder(out)
    assert runner.invoke(app, ["run", str(path), "--out", str(out)]).exit_code == 2
    assert (out / "stray.txt").exists()  # a file tradewar did not write is never replaced
    assert runner.invoke(app, ["run", str(path), "--out", str(out), "--force"]).exit_code == 0
    assert verify_folder(out) and not (out / "stray.txt").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    res = runner.invoke(app, ["run", str(path), "--out", str(foreign), "--force"])
    assert res.exit_code == 0 and verify_folder(foreign)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _start_writer(target: Path, rid: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(target), rid, str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_writers_killed_at_random_points_leave_the_old_or_the_new_folder(tmp_path):
    target = tmp_path / "out"

    def old(tmp: Path) -> dict:
        (tmp / "part0.txt").write_text("old\n")
        return {"run": "old"}

    def leftovers() -> list[Path]:
        return [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp-")]

    write_folder(target, old)
    rng = random.Random(20251129)
    outcomes = set()
    for trial in range(24):
        before = run_id(target)
        proc = _start_writer(target, f"run{trial}", 0.25)
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert verify_folder(target), trial  # complete: manifest and files from one run
        now = run_id(target)
        assert now in (before, f"run{trial}")
        left = leftovers()
        assert len(left) <= 1, trial  # the next writer removed the previous kill's leftovers
        if left:  # killed while its files were being written: the target is untouched
            assert now == before, trial
            outcomes.add("mid-write")
        else:
            outcomes.add("new" if now != before else "old")
    # The kills landed before the swap, mid-write, and after the swap.
    assert {"mid-write", "new"} <= outcomes
    write_folder(target, old)
    assert leftovers() == [] and run_id(target) == "old"
    foreign = tmp_path / ".out.tmp-notours"  # not the exact name tradewar gives: left alone
    foreign.mkdir()
    write_folder(target, old)
    assert foreign.exists()


def test_two_writers_one_wins_whole_the_other_fails_cleanly(tmp_path):
    target = tmp_path / "out"
    first = _start_writer(target, "first", 1.5)
    time.sleep(0.3)
    second = _start_writer(target, "second", 0.1)
    codes = (first.wait(timeout=60), second.wait(timeout=60))
    assert sorted(codes) == [0, 2], codes
    loser = second if codes[1] == 2 else first
    assert "another tradewar process" in loser.stderr.read()
    assert verify_folder(target) and run_id(target) == "first"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "report"])
def test_cli_killed_at_random_points_never_leaves_a_mixed_folder(tmp_path, command):
    path = scenario(tmp_path)
    out = tmp_path / "out"
    base = [sys.executable, "-m", "tradewar.cli", command, str(path), "--out", str(out)]
    assert subprocess.run(base, capture_output=True, timeout=300).returncode == 0
    old_manifest = (out / "manifest.json").read_text()
    rng = random.Random(7)
    for _ in range(3):
        proc = subprocess.Popen(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert verify_folder(out)
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["tradewar_version"]
    assert old_manifest  # the first complete run was there to be replaced


def test_a_full_disk_leaves_the_old_folder_and_no_temporary_files(tmp_path):
    import errno

    target = tmp_path / "out"

    def old(tmp: Path) -> dict:
        (tmp / "part0.txt").write_text("old\n")
        return {"run": "old"}

    def full_disk(tmp: Path) -> dict:
        (tmp / "results.parquet").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    write_folder(target, old)
    with pytest.raises(OSError, match="No space left"):
        write_folder(target, full_disk)
    assert verify_folder(target) and run_id(target) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    fresh = tmp_path / "fresh"
    with pytest.raises(OSError):
        write_folder(fresh, full_disk)
    assert not fresh.exists()
