"""Rows for the run and sweep writers: run names that are paths, outputs that cannot be written.

Every row must leave the case folder exactly as it was: no temporary folder, no claim file, and
never a change to a folder the command refused.
"""

from __future__ import annotations

from badinput import ROOT, Case

QUICK = "{root}/scenarios/testville_quick.toml"
SWEEP = (f'[sweep]\nname = "w"\nbase = "{ROOT}/scenarios/sweep_testville_base.toml"\nlevels = 2\n'
         '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n')
NAME_RULE = "key 'scenario.name': must be 1 to 100 letters, digits, '_', '-' or '.'"


def scenario(name: str) -> str:
    return f'[scenario]\nname = "{name}"\ncity = "testville"\nperiod_days = 0.05\n\n[access]\n'


def _sweep_case(id_: str, argv: tuple[str, ...], message: str, **kw) -> Case:
    """A ``twin sweep`` row on a small sweep file that names the repository's base scenario."""
    files = {"sw.toml": SWEEP, **kw.pop("files", {})}
    return Case(id_, ("sweep", "sw.toml", "--workers", "0", "--quiet", *argv), message, files=files, **kw)


NAMES = {
    "traversal": "../../escaped",
    "absolute": "/tmp/citytwin-escaped",
    "hidden": ".hidden",
    "slash": "a/b",
    "backslash": "a\\\\b",
    "empty": "",
    "dotdot": "a..b",
    "nul": "a\\u0000b",
    "space": "a b",
    "long": "x" * 101,
}

CASES = [
    *[Case(f"runs-name-{key}", ("run", "s.toml", "--quiet"), NAME_RULE, files={"s.toml": scenario(name)})
      for key, name in NAMES.items()],
    Case("runs-name-validate", ("validate", "s.toml"), NAME_RULE, files={"s.toml": scenario("../x")}),
    Case("runs-out-dot-force", ("run", QUICK, "--out", ".", "--force", "--quiet"),
         ".: refusing to write over a folder that holds the working folder"),
    Case("runs-out-parent-force", ("run", QUICK, "--out", "..", "--force", "--quiet"),
         "holds the working folder"),
    Case("runs-out-holds-scenario", ("run", "sub/s.toml", "--out", "sub", "--force", "--quiet"),
         "sub: refusing to write over a folder that holds sub/s.toml",
         files={"sub/s.toml": scenario("fine")}),
    Case("runs-out-existing-file", ("run", QUICK, "--out", "f", "--quiet"),
         "f: exists and is not a folder", files={"f": "keep me"}),
    Case("runs-out-existing-file-force", ("run", QUICK, "--out", "f", "--force", "--quiet"),
         "f: exists and is not a folder", files={"f": "keep me"}),
    Case("runs-out-under-file", ("run", QUICK, "--out", "f/x", "--quiet"),
         "f/x: cannot write under", files={"f": "keep me"}),
    Case("runs-out-exists", ("run", QUICK, "--out", "r", "--quiet"),
         "r: the output folder exists; pass --force to replace it", files={"r/keep.txt": "keep me"}),
    _sweep_case("runs-sweep-out-file", ("--out", "f"), "exists and is not a folder", files={"f": "keep"}),
    _sweep_case("runs-sweep-out-under-file", ("--out", "f/x"), "f/x: cannot write", files={"f": "keep"}),
    _sweep_case("runs-sweep-resume-missing", ("--out", "missing", "--resume"),
                "no sweep to resume (no sweep.json); drop --resume to start one"),
    _sweep_case("runs-sweep-resume-file", ("--out", "f", "--resume"), "exists and is not a folder",
                files={"f": "keep"}),
    _sweep_case("runs-sweep-not-a-sweep-folder", ("--out", "d"), "exists and is not a sweep folder",
                files={"d/notes.txt": "keep"}),
    _sweep_case("runs-sweep-resume-not-a-sweep-folder", ("--out", "d", "--resume"), "no sweep to resume",
                files={"d/notes.txt": "keep"}),
    Case("runs-city-export-matsim-onto-folder", ("city", "export", "testville", "--matsim", "d"),
         "d: cannot write: Is a directory", files={"d/keep.txt": "keep"}),
    Case("runs-city-export-geojson-onto-file", ("city", "export", "testville", "--geojson", "f"),
         "f: exists and is not a folder", files={"f": "keep"}),
    Case("runs-city-export-sumo-under-file", ("city", "export", "testville", "--sumo", "f/net"),
         "cannot write", files={"f": "keep"}),
]
