#!/usr/bin/env python3
"""Rerun the whole bad-input table (tests/badinput) as real ``twin`` processes and count.

Each row runs in a fresh folder as ``python -m twin.cli ARGS`` with a time limit (a hang counts as
a failure), and the folder is compared before and after. Prints one line per row that broke the
promise and a closing count; exits 1 if any row did.

    python scripts/bad_input_table.py               # every row (about N s)
    python scripts/bad_input_table.py --only tntp   # rows whose id contains "tntp"
    python scripts/bad_input_table.py --list        # the table itself
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from badinput import Outcome, all_cases, argv_of, diff, lay_out, snapshot  # noqa: E402


def run_as_process(case, folder: Path, limit_s: float) -> Outcome:
    lay_out(case, folder)
    before = snapshot(folder)
    try:
        done = subprocess.run([sys.executable, "-m", "twin.cli", *argv_of(case, folder)], cwd=folder,
                              capture_output=True, text=True, timeout=limit_s, stdin=subprocess.DEVNULL,
                              env=dict(os.environ, PYTHONPATH=str(ROOT / "tests")))  # rows' plug-ins
        status, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        status, stderr = None, f"no answer within {limit_s:.0f} s"
    tb = stderr if "Traceback (most recent call last)" in stderr else ""
    return Outcome(case, status, stderr, diff(before, snapshot(folder)), tb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only rows whose id contains this text")
    parser.add_argument("--limit", type=float, default=120.0, help="seconds a row may take (default 120)")
    parser.add_argument("--list", action="store_true", help="print the table and stop")
    args = parser.parse_args()
    cases = [c for c in all_cases() if args.only in c.id]
    if args.list:
        for c in cases:
            print(f"{c.id:<48} exit {c.status}  twin {' '.join(c.argv)}")
        return 0
    failed = 0
    start = time.perf_counter()
    for i, case in enumerate(cases, 1):
        with tempfile.TemporaryDirectory(prefix="twin-bad-") as tmp:
            outcome = run_as_process(case, Path(tmp), args.limit)
        problems = outcome.problems
        failed += bool(problems)
        mark = "FAIL" if problems else "ok  "
        print(f"[{i:>3}/{len(cases)}] {mark} {case.id}" + (f": {'; '.join(problems)}" if problems else ""),
              flush=True)
    held = len(cases) - failed
    print(f"\n{len(cases)} cases: {held} handled as promised, {failed} not "
          f"({time.perf_counter() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
