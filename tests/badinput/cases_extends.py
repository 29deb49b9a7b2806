"""Rows for scenario inheritance (``extends``) and the like-for-like rule of ``twin compare``.

A child file names its parent; a missing parent, a cycle, a parent with a mistake and a parent that
is a sweep file are each one line naming the file that is wrong. ``twin compare`` of runs that are
not like for like (here: different horizons) is refused with one line naming what differs.
"""

from __future__ import annotations

from pathlib import Path

from badinput import Case

PARENT = ('[scenario]\nname = "parent"\ncity = "testville"\nperiod_days = 0.05\n\n'
          '[output]\npicture = false\n\n[access]\nthreshold_min = 5.0\n')
CHILD = 'extends = "parent.toml"\n\n[scenario]\nname = "child"\n\n[access]\nthreshold_min = 9.0\n'


def _two_unlike_runs(folder: Path) -> None:
    """Run folders a (1 year) and b (2 years) of the same small access-only scenario."""
    from twin.scenario import load_scenario, run

    scenario = load_scenario(folder / "parent.toml")
    run(scenario, folder / "a", progress=False, picture=False)
    run(scenario.with_overrides({"scenario.horizon_years": 2}), folder / "b", progress=False, picture=False)


def both(name: str, files: dict[str, str], message: str) -> list[Case]:
    """`twin validate` and `twin run` of the child: one line each, nothing written."""
    return [
        Case(f"extends-validate-{name}", ("validate", "child.toml"), message, files=files),
        Case(f"extends-run-{name}", ("run", "child.toml", "--out", "out", "--quiet", "--no-picture"),
             message, files=files),
    ]


CASES = [
    *both("missing-parent", {"child.toml": CHILD},
          "child.toml: key 'extends': parent scenario file 'parent.toml' not found"),
    *both("cycle", {"child.toml": CHILD, "parent.toml": 'extends = "child.toml"\n' + PARENT},
          "child.toml: key 'extends': inheritance cycle child.toml -> parent.toml -> child.toml"),
    *both("parent-unknown-key",
          {"child.toml": CHILD, "parent.toml": PARENT.replace("[access]\n", "[access]\nthreshold = 3\n")},
          "parent.toml (inherited by child.toml): key 'access.threshold': unknown key "
          "(did you mean 'threshold_min'?)"),
    *both("parent-is-sweep",
          {"child.toml": CHILD, "parent.toml": '[sweep]\nname = "s"\nbase = "x.toml"\n'},
          "child.toml: key 'extends': parent.toml is a sweep file"),
    *both("not-a-string", {"child.toml": "extends = [\"parent.toml\"]\n" + CHILD.split("\n", 1)[1]},
          "child.toml: key 'extends': expected the parent scenario's file name (a string)"),
    Case("extends-compare-unlike-runs", ("compare", "a", "b"),
         "a and b are not like for like: they differ in horizon_years (A 1, B 2)",
         files={"parent.toml": PARENT}, setup=_two_unlike_runs),
]
