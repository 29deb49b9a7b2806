"""Rows for the command line itself: unknown commands and options, missing arguments and files.

Every command and command group of ``twin`` has at least one row here; the readers and writers
behind them have their own files (cases_readers, cases_runs, cases_scenario, cases_folders ...).
"""

from __future__ import annotations

from badinput import Case

CASES = [
    Case("cli-unknown-command", ("nosuch",), "invalid choice: 'nosuch'"),
    Case("cli-no-command", (), "required: COMMAND"),
    Case("cli-unknown-option", ("run", "--bogus", "x.toml"), "unrecognized arguments: --bogus"),
    Case("cli-run-no-scenario", ("run",), "required: scenario"),
    Case("cli-run-missing-file", ("run", "missing.toml", "--out", "OUT"), "scenario file not found"),
    Case("cli-run-seed-not-integer", ("run", "x.toml", "--seed", "abc"), "--seed: invalid"),
    Case("cli-validate-no-file", ("validate",), "required: file"),
    Case("cli-validate-missing-file", ("validate", "missing.toml"), "missing.toml: scenario file not found"),
    Case("cli-validate-folder", ("validate", "{tmp}"), ""),
    Case("cli-city-no-subcommand", ("city",), "required: SUBCOMMAND"),
    Case("cli-city-info-unknown-seed", ("city", "info", "atlantis"), "no seed city named 'atlantis'"),
    Case("cli-city-import-missing-file", ("city", "import", "missing.pbf", "--out", "c"), "missing.pbf"),
    Case("cli-city-export-unknown-city", ("city", "export", "nosuch", "--geojson", "g"), "nosuch"),
    Case("cli-traffic-no-subcommand", ("traffic",), "required: SUBCOMMAND"),
    Case("cli-traffic-assign-missing-files", ("traffic", "assign", "a.tntp", "b.tntp"), "a.tntp"),
    Case("cli-traffic-simulate-missing-files",
         ("traffic", "simulate", "--nodes", "n.csv", "--links", "l.csv", "--trips", "t.csv"), "n.csv"),
    Case("cli-emergency-no-subcommand", ("emergency",), "required: SUBCOMMAND"),
    Case("cli-emergency-erlang-units-not-integer", ("emergency", "erlang", "--units", "x"), "--units"),
    Case("cli-emergency-site-unknown-city", ("emergency", "site", "atlantis"), "atlantis"),
    Case("cli-waste-route-missing-file", ("waste", "route", "missing.vrp"), "missing.vrp"),
    Case("cli-view-no-run", ("view",), "required: RUN"),
    Case("cli-view-missing-run", ("view", "missing_run", "--png", "a.png"), "not a run folder"),
    Case("cli-compare-missing-folders", ("compare", "a", "b"), "neither a run folder"),
    Case("cli-analyze-not-a-sweep", ("analyze", "{tmp}"), "not a sweep folder"),
    Case("cli-sweep-missing-file", ("sweep", "missing.toml"), "missing.toml: sweep file not found"),
]
