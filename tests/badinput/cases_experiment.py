"""Rows for ``twin experiment``: policies that extend nothing, or different parents, or are not like
for like with their parent; bad replicates, confidence, report names, folders and schedulers.

Every row fails before any run (and before any cluster starts), so nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from badinput import Case

PARENT = ('[scenario]\nname = "parent"\ncity = "testville"\nperiod_days = 0.05\n\n'
          '[output]\npicture = false\n\n[access]\nthreshold_min = 3.0\n')
POLICY = 'extends = "parent.toml"\n\n[scenario]\nname = "policy"\n\n[access]\nthreshold_min = 5.0\n'
FILES = {"parent.toml": PARENT, "policy.toml": POLICY}


def experiment(*argv: str) -> tuple[str, ...]:
    return ("experiment", *argv)


def _a_file_named_out(folder: Path) -> None:
    (folder / "out").write_text("not a folder\n")


CASES = [
    Case("experiment-no-policy", experiment("--out", "out"), "required: policy"),
    Case("experiment-no-out", experiment("policy.toml"), "required: --out", files=FILES),
    Case("experiment-missing-policy", experiment("missing.toml", "--out", "out"),
         "missing.toml: scenario file not found"),
    Case("experiment-extends-nothing", experiment("parent.toml", "--out", "out"),
         "parent.toml: key 'extends': an experiment runs a policy against the scenario it extends",
         files=FILES),
    Case("experiment-different-parents", experiment("policy.toml", "other.toml", "--out", "out"),
         "other.toml: key 'extends': its parent is other_parent.toml, but policy.toml's is parent.toml",
         files={**FILES, "other_parent.toml": PARENT,
                "other.toml": POLICY.replace('"parent.toml"', '"other_parent.toml"')}),
    Case("experiment-not-like-for-like", experiment("longer.toml", "--out", "out"),
         "longer.toml is not like for like with its parent parent.toml: they differ in horizon_years "
         "(A 1, B 2)",
         files={**FILES, "longer.toml": POLICY.replace('name = "policy"', 'name = "p"\nhorizon_years = 2')}),
    Case("experiment-policy-twice", experiment("policy.toml", "./policy.toml", "--out", "out"),
         "./policy.toml: given twice (as policy.toml)", files=FILES),
    Case("experiment-replicates-zero", experiment("policy.toml", "--out", "out", "--replicates", "0"),
         "--replicates must be between 1 and 10000, got 0", files=FILES),
    Case("experiment-replicates-not-integer", experiment("policy.toml", "--out", "o", "--replicates", "ten"),
         "--replicates: invalid int value: 'ten'", files=FILES),
    Case("experiment-confidence-out-of-range",
         experiment("policy.toml", "--out", "out", "--confidence", "95"),
         "--confidence must be between 0 and 1, got 95.0", files=FILES),
    Case("experiment-report-suffix", experiment("policy.toml", "--out", "out", "--report", "r.txt"),
         "--report r.txt: the report must end in .md or .html", files=FILES),
    Case("experiment-workers-and-scheduler",
         experiment("policy.toml", "--out", "out", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"),
         "argument --scheduler: not allowed with argument --workers", files=FILES),
    Case("experiment-workers-negative", experiment("policy.toml", "--out", "out", "--workers", "-1"),
         "--workers must be >= 0, got -1", files=FILES),
    Case("experiment-unreachable-scheduler",
         experiment("policy.toml", "--out", "out", "--scheduler", "tcp://127.0.0.1:9",
                    "--connect-timeout", "1"),
         "--scheduler tcp://127.0.0.1:9: no Dask scheduler answered within 1 s", files=FILES),
    Case("experiment-out-is-a-file", experiment("policy.toml", "--out", "out", "--workers", "0"),
         "out: exists and is not a folder; choose another --out", files=FILES, setup=_a_file_named_out),
    Case("experiment-resume-nothing",
         experiment("policy.toml", "--out", "out", "--workers", "0", "--resume"),
         "no experiment to resume (no sweep.json); drop --resume to start one", files=FILES),
]
