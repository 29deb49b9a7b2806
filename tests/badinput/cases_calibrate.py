"""Rows for ``twin calibrate`` (docs/observations.md): bad options, folders and observation files.

Observations are checked against testville_quick (links 0..491, years 2025..2026, a period of
0.25 days); each row breaks one thing and nothing may be written.
"""

from __future__ import annotations

from badinput import Case

COUNTS = "link,year,start_s,end_s,vehicles\n5,2025,0,900,12\n6,2025,0,900,3\n"
GOOD = {"obs/counts.csv": COUNTS}

INCIDENTS = ("year,time_s,zone,type,response_min,call_handling_min,turnout_min,unit_kind\n"
             "2025,60,old_town-001,medical,8.0,1.0,0.5,ambulance\n"
             "2025,90,old_town-002,crime,6.0,1.0,0.5,police_car\n")


def incidents(old: str, new: str, row: int = 1) -> dict[str, str]:
    """:data:`INCIDENTS` with ``old`` replaced by ``new`` in data row ``row`` (1 first)."""
    lines = INCIDENTS.splitlines(keepends=True)
    assert old in lines[row], old
    lines[row] = lines[row].replace(old, new, 1)
    return {"obs/incidents.csv": "".join(lines)}


def calibrate(*extra: str, observed: str = "{tmp}/obs", out: str = "{tmp}/cal.toml") -> tuple[str, ...]:
    return ("calibrate", "{root}/scenarios/testville_quick.toml", "--observed", observed, "--out", out,
            *extra)


CASES = [
    Case("calibrate-missing-folder", calibrate(observed="{tmp}/nowhere"),
         "nowhere: no such folder of observations"),
    Case("calibrate-empty-folder", calibrate(), "no observation files (expected any of counts.csv",
         files={"obs/notes.txt": "nothing here\n"}),
    Case("calibrate-empty-file", calibrate(), "counts.csv: the file is empty", files={"obs/counts.csv": ""}),
    Case("calibrate-unknown-link", calibrate(), "line 2: link 999 is not in the city",
         files={"obs/counts.csv": COUNTS.replace("5,", "999,", 1)}),
    Case("calibrate-negative-count", calibrate(), "column vehicles must be >= 0",
         files={"obs/counts.csv": COUNTS.replace(",12", ",-12")}),
    Case("calibrate-holdout-one", calibrate("--holdout", "1"),
         "--holdout 1: give a share of the observations 0 <= FRACTION < 1", files=GOOD),
    Case("calibrate-holdout-negative", calibrate("--holdout", "-0.2"), "--holdout -0.2: give a share",
         files=GOOD),
    Case("calibrate-holdout-nan", calibrate("--holdout", "nan"),
         "argument --holdout: must be a finite number", files=GOOD),
    Case("calibrate-budget-zero", calibrate("--budget", "0"), "--budget 0: give at least 1 simulation run",
         files=GOOD),
    Case("calibrate-workers-negative", calibrate("--workers", "-1"),
         "--workers -1: give 0 (serially) or more", files=GOOD),
    Case("calibrate-unknown-domain", calibrate("--domains", "roads"), "--domains 'roads': allowed: traffic",
         files=GOOD),
    Case("calibrate-domain-without-observations", calibrate("--domains", "migration"),
         "obs holds no observations it fits (any of population.csv)", files=GOOD),
    Case("calibrate-out-not-toml", calibrate(out="{tmp}/cal.txt"),
         "the calibrated scenario must be a .toml file", files=GOOD),
    Case("calibrate-report-not-md-or-html", calibrate("--report", "{tmp}/cal.txt"),
         "cal.txt: the report must end in .md or .html", files=GOOD),
    Case("calibrate-call-handling-negative", calibrate(), "incidents.csv, line 3: column call_handling_min "
         "must be >= 0", files=incidents("1.0,0.5,police_car", "-1.0,0.5,police_car", row=2)),
    Case("calibrate-turnout-not-a-number", calibrate(), "incidents.csv, line 2: column turnout_min",
         files=incidents("1.0,0.5,ambulance", "1.0,soon,ambulance")),
    Case("calibrate-phases-over-response", calibrate(),
         "line 2: call_handling_min + turnout_min = 5 is larger than response_min 4",
         files=incidents("8.0,1.0,0.5", "4.0,3.0,2.0")),
    Case("calibrate-handling-over-response", calibrate(),
         "line 2: call_handling_min = 9 is larger than response_min 8",
         files=incidents("1.0,0.5,ambulance", "9.0,,ambulance")),
    Case("calibrate-unit-kind-unknown", calibrate(),
         "line 2: column unit_kind is 'tank'; allowed: ambulance, fire_engine, police_car, utility_crew or "
         "empty (unknown)", files=incidents("0.5,ambulance", "0.5,tank")),
    Case("calibrate-out-exists", calibrate(), "cal.toml: exists; choose another name or pass --force",
         files={**GOOD, "cal.toml": "# an earlier calibration\n"}),
    Case("calibrate-out-is-folder", calibrate(out="{tmp}/cal.toml"), "cal.toml: cannot write: it is a folder",
         files={**GOOD, "cal.toml/keep.txt": "mine\n"}),
    Case("calibrate-no-scheduler", calibrate("--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1"),
         "--scheduler tcp://127.0.0.1:9: no Dask scheduler answered within 1 s", files=GOOD),
    Case("calibrate-missing-scenario", ("calibrate", "{tmp}/none.toml", "--observed", "{tmp}/obs", "--out",
                                        "{tmp}/cal.toml"), "none.toml", files=GOOD),
]
