"""Rows for observed data (docs/observations.md): ``twin observations check`` and ``twin observe``.

Observation files are checked against testville_quick (testville: links 0..491, nodes 0..150,
zones old_town-001 ...; years 2025..2026; a period of 0.25 days, 21,600 s). Each row breaks one
thing in an otherwise good file.
"""

from __future__ import annotations

from badinput import Case

CHECK = ("observations", "check", "{tmp}/obs", "--against", "{root}/scenarios/testville_quick.toml")

TRAVEL = "origin,destination,year,depart_h,minutes,source\n"

COUNTS = "link,year,start_s,end_s,vehicles\n5,2025,0,900,12\n6,2025,0,900,3\n"


def obs(name: str, text: str | bytes) -> dict[str, str | bytes]:
    return {f"obs/{name}": text}


def counts(old: str, new: str) -> dict[str, str | bytes]:
    assert old in COUNTS, old
    return obs("counts.csv", COUNTS.replace(old, new, 1))


CASES = [
    Case("observations-unknown-link", CHECK, "line 2: link 999 is not in the city",
         files=counts("5,", "999,")),
    Case("observations-unknown-node-pair", CHECK, "no link from node 0 to node 150",
         files=obs("counts.csv", "from,to,year,start_s,end_s,vehicles\n0,150,2025,0,900,1\n")),
    Case("observations-unknown-zone", CHECK, "column zone is 'nowhere'; allowed: old_town-001",
         files=obs("population.csv", "year,zone,residents\n2025,nowhere,100\n")),
    Case("observations-unknown-stream", CHECK, "column stream is 'glass'; allowed: kitchen",
         files=obs("weighbridge.csv", "year,day,stream,tonnes\n2025,0,glass,1.5\n")),
    Case("observations-unknown-type", CHECK, "column type is 'alien'; allowed: medical",
         files=obs("incidents.csv", "year,time_s,x,y,type\n2025,60,0,0,alien\n")),
    Case("observations-year-outside", CHECK, "year 2030 is outside the simulated years 2025..2026",
         files=counts("2025", "2030")),
    Case("observations-time-outside", CHECK, "start_s 30000 is outside 0..21600 s",
         files=counts("0,900", "30000,30900")),
    Case("observations-day-outside", CHECK, "day 3 is outside 0..0",
         files=obs("weighbridge.csv", "year,day,stream,tonnes\n2025,3,kitchen,1.5\n")),
    Case("observations-depart-outside", CHECK, "depart_h 7 is outside 0..6 h",
         files=obs("travel_times.csv", TRAVEL + "0,5,2025,7,12,probe\n")),
    Case("observations-negative-count", CHECK, "line 2: column vehicles must be >= 0, got -12",
         files=counts(",12", ",-12")),
    Case("observations-line-after-blank", CHECK, "counts.csv, line 4: column vehicles must be >= 0",
         files=obs("counts.csv", COUNTS.replace("\n6,2025,0,900,3", "\n\n6,2025,0,900,-3"))),
    Case("observations-quoted-csv", CHECK, "counts.csv, line 3: link 999 is not in the city",
         files=obs("counts.csv", COUNTS.replace("6,2025", '"999",2025'))),
    Case("observations-end-before-start", CHECK, "end_s must be > start_s", files=counts("0,900", "900,900")),
    Case("observations-fill-above-one", CHECK, "column fill must be <= 1",
         files=obs("waste_fill.csv", "bin,stream,year,time_s,fill\n3,kitchen,2025,60,1.4\n")),
    Case("observations-duplicate-key", CHECK, "line 3: link 5, year 2025, start_s 0.0 appears twice",
         files=counts("6,", "5,")),
    Case("observations-empty-file", CHECK, "counts.csv: the file is empty", files=obs("counts.csv", "")),
    Case("observations-header-only", CHECK, "counts.csv: no rows",
         files=obs("counts.csv", "link,year,start_s,end_s,vehicles\n")),
    Case("observations-missing-column", CHECK, "missing column(s) vehicles",
         files=obs("counts.csv", "link,year,start_s,end_s\n5,2025,0,900\n")),
    Case("observations-no-link-column", CHECK, "give link or from+to",
         files=obs("counts.csv", "year,start_s,end_s,vehicles\n2025,0,900,1\n")),
    Case("observations-not-a-number", CHECK, "column vehicles is 'many', not a number",
         files=counts(",12", ",many")),
    Case("observations-fractional-id", CHECK, "column link must be a whole number",
         files=counts("5,", "5.5,")),
    Case("observations-bad-source", CHECK, "column source is 'guess'; allowed: probe, survey",
         files=obs("travel_times.csv", TRAVEL + "0,5,2025,1,12,guess\n")),
    Case("observations-no-files", CHECK, "no observation files", files=obs("notes.txt", "nothing\n")),
    Case("observations-csv-and-parquet", CHECK, "both counts.csv and counts.parquet",
         files={**counts("5,", "5,"), "obs/counts.parquet": b"PAR1"}),
    Case("observations-damaged-parquet", CHECK,
         "counts.parquet: damaged observation file (Parquet magic bytes",
         files=obs("counts.parquet", b"PAR1 not really")),
    Case("observations-binary-csv", CHECK, "not UTF-8 text", files=obs("counts.csv", b"\xff\xfe\x00junk")),
    Case("observations-against-missing",
         ("observations", "check", "{tmp}/obs", "--against", "{tmp}/nothing.toml"),
         "nothing.toml", files=counts("5,", "5,")),
    Case("observations-no-subcommand", ("observations",), "required: SUBCOMMAND"),
    Case("observe-no-out", ("observe", "{tmp}"), "required: --out"),
    Case("observe-not-a-run", ("observe", "{tmp}", "--out", "{tmp}/o"), "not a run folder",
         files={"x.txt": "x"}),
    Case("observe-bad-sample", ("observe", "{tmp}", "--out", "{tmp}/o", "--sample", "counts=2"),
         "--sample counts=2: expected a number 0..1"),
    Case("observe-unknown-kind", ("observe", "{tmp}", "--out", "{tmp}/o", "--sample", "speeds=0.5"),
         "KIND one of counts, travel_times"),
    Case("observe-bad-noise", ("observe", "{tmp}", "--out", "{tmp}/o", "--noise", "counts=gaussian"),
         "expected a number 0..1e+06 or poisson"),
    Case("observe-out-exists", ("observe", "{tmp}", "--out", "{tmp}/o"), "pass --force",
         files={"o/keep.txt": "earlier results"}),
    Case("observe-bad-seed", ("observe", "{tmp}", "--out", "{tmp}/o", "--seed", "-1"), "--seed"),
]
