"""Rows for the command line itself: unknown commands and options, missing files."""

from __future__ import annotations

from badinput import Case

CASES = [
    Case("validate-missing-file", ("validate", "missing.toml"), "missing.toml: scenario file not found"),
    Case("city-info-unknown-seed", ("city", "info", "atlantis"), "no seed city named 'atlantis'"),
    Case("run-missing-file", ("run", "missing.toml", "--out", "OUT"), "scenario file not found"),
]
