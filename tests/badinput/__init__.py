"""The bad-input table: every CLI command and reader fed what a careless user or a broken script gives.

A :class:`Case` is one row: the ``twin`` arguments, the files to lay out first, the exit status
expected, a fragment of the one-line message, and whether the command may write anything. The
cases live in ``cases_<area>.py`` files beside this one (each defines ``CASES``); the test
``tests/test_bad_inputs.py`` runs every row in-process and ``scripts/bad_input_table.py`` reruns
the whole table as real ``twin`` processes, with a time limit, and prints the counts.

The promise checked for each row (docs/reliability.md):

* the exit status is the one expected (2 for bad input), never a traceback;
* standard error holds exactly one error line, ``twin: error: ...`` containing ``message``
  (warnings and the notice that kernels are being compiled may stand beside it);
* unless ``writes`` is set, the case folder is byte-for-byte and mode-for-mode the same after the
  command as before it (nothing written, nothing lost, nothing corrupted).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import os
import pkgutil
import stat
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root; ``{root}`` in a case's arguments."""

INFORMATION = ("twin: warning: ", "twin: compiling kernels")
"""Lines that may stand beside the error line: warnings, and the notice of a cold numba cache
(an error found while simulating, such as an empty traffic sample, comes after compilation)."""


@dataclass(frozen=True)
class Case:
    """One row of the table.

    ``argv`` are the ``twin`` arguments; ``{tmp}`` stands for the case folder (the working
    directory while the command runs) and ``{root}`` for the repository. ``files`` maps paths
    relative to the case folder to their text (str) or bytes. ``setup`` runs after the files are
    written and before the snapshot (make a run folder to corrupt, remove write permission ...).
    """

    id: str
    argv: tuple[str, ...]
    message: str = ""
    status: int = 2
    files: dict[str, str | bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    writes: bool = False
    slow: bool = False
    note: str = ""


@dataclass
class Outcome:
    """What one row did: exit status, standard error, whether the tree changed, a traceback."""

    case: Case
    status: int | None
    stderr: str
    changed: list[str]
    traceback: str = ""

    @property
    def problems(self) -> list[str]:
        """Every way the row broke the promise (empty when it held)."""
        found = []
        if self.traceback:
            found.append("traceback: " + self.traceback.strip().splitlines()[-1])
        if self.status != self.case.status:
            found.append(f"exit status {self.status}, expected {self.case.status}")
        if self.case.status == 2:
            lines = self.stderr.splitlines()
            errors = [line for line in lines if line.startswith("twin: error: ")]
            notes = sum(ln.startswith(INFORMATION) for ln in lines)
            if len(errors) != 1 or len(lines) != 1 + notes:
                found.append(f"standard error is not one error line: {self.stderr!r}")
            elif self.case.message and self.case.message not in errors[0]:
                found.append(f"message lacks {self.case.message!r}: {errors[0]!r}")
        if self.changed and not self.case.writes:
            found.append("changed: " + ", ".join(self.changed[:5]))
        return found


def all_cases() -> list[Case]:
    """Every row of every ``cases_*.py`` file, in file order; ids are unique."""
    cases: list[Case] = []
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if info.name.startswith("cases_"):
            cases.extend(importlib.import_module(f"{__name__}.{info.name}").CASES)
    ids = [c.id for c in cases]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"duplicate case ids: {duplicated}")
    return cases


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every path below ``folder`` with its mode and content hash (folders: mode only)."""
    tree: dict[str, tuple[int, str]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if os.access(path, os.R_OK) else "?"
        else:
            digest = ""
        tree[str(path.relative_to(folder))] = (stat.S_IMODE(info.st_mode) | stat.S_IFMT(info.st_mode),
                                               digest)
    return tree


def lay_out(case: Case, folder: Path) -> None:
    """Write the case's files into ``folder`` and run its set-up."""
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    if case.setup is not None:
        case.setup(folder)


def argv_of(case: Case, folder: Path) -> list[str]:
    return [a.replace("{tmp}", str(folder)).replace("{root}", str(ROOT)) for a in case.argv]


def diff(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def run_in_process(case: Case, folder: Path) -> Outcome:
    """Lay out the case in ``folder``, run ``twin.cli.main`` there, and compare the tree."""
    from twin.cli import main

    lay_out(case, folder)
    before = snapshot(folder)
    err, out = io.StringIO(), io.StringIO()
    status: int | None = None
    tb = ""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                status = main(argv_of(case, folder))
            except SystemExit as exc:  # argparse
                status = exc.code if isinstance(exc.code, int) else 1
            except Exception:
                tb = traceback.format_exc()
    finally:
        os.chdir(cwd)
    return Outcome(case, status, err.getvalue(), diff(before, snapshot(folder)), tb)
