"""Write a folder through `write_folder` slowly, for the fault-injection tests.

Usage: python slow_writer.py DIR RUN_ID SECONDS. Prints "ready" before it starts writing; exits 2
if the folder may not be written (e.g. another writer holds it).
"""

import sys
import time
from pathlib import Path

from tradewar.errors import OutputError
from tradewar.folders import write_folder

target, run_id, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])


def fill(tmp: Path) -> dict:
    for k in range(5):
        (tmp / f"part{k}.txt").write_text(f"{run_id} {k}\n" * 1000)
        time.sleep(seconds / 5)
    return {"run": run_id}


print("ready", flush=True)
try:
    write_folder(target, fill)
except OutputError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
