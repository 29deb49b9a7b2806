"""Rows for the command-line tools: traffic assign/simulate, waste route, emergency, city export.

Options given NaN, infinity, counts of 10^12, negative seeds; sizes over the readers' limits;
outputs that cannot be written (an existing folder where a file goes, a path under a file).
Tests run as root, so a read-only folder would not stop a write: the rows use paths that fail
for root too, and tests/test_outputs.py injects a full disk.
"""

from __future__ import annotations

from badinput import Case

VRP = "{root}/data/cvrplib/A-n32-k5.vrp"
ROUTE = ("waste", "route", VRP, "--iterations", "20")
SIOUX = "{root}/data/tntp/SiouxFalls/SiouxFalls"
NET, TRIPS = SIOUX + "_net.tntp", SIOUX + "_trips.tntp"
ASSIGN = ("traffic", "assign", NET, TRIPS)
GRID = "{root}/data/traffic_grid/"
SIMULATE = ("traffic", "simulate", "--nodes", GRID + "grid10x10_nodes.csv",
            "--links", GRID + "grid10x10_links.csv", "--trips", GRID + "demand_grid10x10_10k_seed1.csv")
ERLANG = ("emergency", "erlang", "--units", "2", "--arrival-rate", "1", "--service-rate", "1")
A_FILE = {"plain": "a file, not a folder\n"}
A_FOLDER = {"taken/keep.txt": "an earlier output\n"}

CASES = [
    # waste route: --seconds nan never returned before
    Case("tools-waste-seconds-nan", ("waste", "route", VRP, "--seconds", "nan"), "argument --seconds"),
    Case("tools-waste-seconds-inf", ("waste", "route", VRP, "--seconds", "inf"), "argument --seconds"),
    Case("tools-waste-seconds-zero", ("waste", "route", VRP, "--seconds", "0"), "must be > 0"),
    Case("tools-waste-iterations-huge", (*ROUTE, "--iterations", "1000000000000"), "argument --iterations"),
    Case("tools-waste-iterations-float", (*ROUTE, "--iterations", "1e12"), "expected a whole number"),
    Case("tools-waste-seed-negative", (*ROUTE, "--seed", "-1"), "argument --seed"),
    Case("tools-waste-seed-huge", (*ROUTE, "--seed", "4294967296"), "argument --seed"),
    Case("tools-waste-max-nodes", (*ROUTE, "--max-nodes", "10"),
         "DIMENSION 32 is over the limit of 10 (--max-nodes to raise it)"),
    # traffic assign
    Case("tools-assign-gap-nan", (*ASSIGN, "--gap", "nan"), "argument --gap"),
    Case("tools-assign-gap-inf", (*ASSIGN, "--gap", "inf"), "argument --gap"),
    Case("tools-assign-iterations-huge", (*ASSIGN, "--max-iterations", "1000000000000"),
         "argument --max-iterations"),
    Case("tools-assign-max-zones", (*ASSIGN, "--max-zones", "10"),
         "<NUMBER OF ZONES> 24 is over the limit of 10 (--max-zones to raise it)"),
    Case("tools-assign-flows-folder", (*ASSIGN, "--flows", "taken"), "taken: cannot write", files=A_FOLDER),
    Case("tools-assign-flows-under-file", (*ASSIGN, "--flows", "plain/flows.csv"),
         "plain/flows.csv: cannot write", files=A_FILE),
    # traffic simulate
    Case("tools-simulate-horizon-inf", (*SIMULATE, "--horizon", "inf"), "argument --horizon"),
    Case("tools-simulate-horizon-nan", (*SIMULATE, "--horizon", "nan"), "argument --horizon"),
    Case("tools-simulate-horizon-year", (*SIMULATE, "--horizon", "31536000"), "argument --horizon"),
    Case("tools-simulate-time-step-nan", (*SIMULATE, "--time-step", "nan"), "argument --time-step"),
    Case("tools-simulate-platoon-huge", (*SIMULATE, "--platoon", "1000000000000"), "argument --platoon"),
    Case("tools-simulate-max-vehicles", (*SIMULATE, "--max-vehicles", "100"),
         "is over the limit of 100 (--max-vehicles to raise it)"),
    # emergency
    Case("tools-erlang-calls-huge", (*ERLANG, "--calls", "1000000000000"), "argument --calls"),
    Case("tools-erlang-calls-few", (*ERLANG, "--calls", "10"), "argument --calls"),
    Case("tools-erlang-seed-negative", (*ERLANG, "--seed", "-1"), "argument --seed"),
    Case("tools-erlang-units-huge", ("emergency", "erlang", "--units", "1000000000000", "--arrival-rate", "1",
                                     "--service-rate", "1"), "argument --units"),
    Case("tools-erlang-arrival-nan", ("emergency", "erlang", "--units", "2", "--arrival-rate", "nan",
                                      "--service-rate", "1"), "argument --arrival-rate"),
    Case("tools-erlang-service-inf", ("emergency", "erlang", "--units", "2", "--arrival-rate", "1",
                                      "--service-rate", "inf"), "argument --service-rate"),
    Case("tools-erlang-arrival-tiny", ("emergency", "erlang", "--units", "2", "--arrival-rate", "1e-9",
                                       "--service-rate", "1", "--calls", "1000"), "simulated hours",
         note="asked for 7.6 TiB"),
    Case("tools-erlang-arrival-high", ("emergency", "erlang", "--units", "1000", "--arrival-rate", "5000",
                                       "--service-rate", "10", "--calls", "1000"), "",
         status=0, note="a valid queue; the scenario's bound on calls per 1000 residents does not apply"),
    Case("tools-erlang-arrival-huge", ("emergency", "erlang", "--units", "1000", "--arrival-rate", "1e9",
                                       "--service-rate", "1e7"), "argument --arrival-rate"),
    Case("tools-erlang-confidence-nan", (*ERLANG, "--confidence", "nan"), "argument --confidence"),
    Case("tools-hypercube-calls-huge", ("emergency", "hypercube", "--calls", "1000000000000"),
         "argument --calls"),
    Case("tools-hypercube-seed-negative", ("emergency", "hypercube", "--seed", "-1"), "argument --seed"),
    Case("tools-site-add-huge", ("emergency", "site", "testville", "--add", "100000"), "argument --add"),
    Case("tools-site-add-over-zones", ("emergency", "site", "testville", "--add", "11"),
         "at most 10 new stations"),
    Case("tools-site-units-negative", ("emergency", "site", "testville", "--units", "-3"), "argument --units",
         note="printed a block the validator rejects before"),
    Case("tools-site-standard-inf", ("emergency", "site", "testville", "--standard-min", "inf"),
         "argument --standard-min"),
    # city export: outputs that cannot be written
    Case("tools-export-matsim-folder", ("city", "export", "testville", "--matsim", "taken"),
         "taken: cannot write", files=A_FOLDER),
    Case("tools-export-matsim-under-file", ("city", "export", "testville", "--matsim", "plain/net.xml"),
         "plain/net.xml: cannot write", files=A_FILE),
    Case("tools-export-sumo-under-file", ("city", "export", "testville", "--sumo", "plain/net"),
         "cannot write", files=A_FILE),
    Case("tools-export-geojson-under-file", ("city", "export", "testville", "--geojson", "plain/layers"),
         "cannot write under", files=A_FILE),
    Case("tools-export-geojson-onto-file", ("city", "export", "testville", "--geojson", "plain"),
         "not a folder", files=A_FILE),
]
