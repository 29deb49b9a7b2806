"""Bad input for ``twin present`` (the web viewer) and ``twin view --html`` (the static page)."""

from __future__ import annotations

import json

from badinput import Case


def _manifest(start_year: int, city_hash: str = "same") -> str:
    return json.dumps({"scenario": {"scenario": {"name": "x", "city": "testville",
                                                 "start_year": start_year, "horizon_years": 2}},
                       "inputs": {"city": city_hash}})


CASES = [
    Case("present-no-run", ("present",), "required: RUN"),
    Case("present-missing-run", ("present", "missing_run"), "missing_run: not a run folder"),
    Case("present-three-runs", ("present", "a", "b", "c"), "twin present takes one run or two"),
    Case("present-bad-port", ("present", "a", "--port", "70000"), "--port 70000: a port is 1-65535"),
    Case("present-bad-size", ("present", "a", "--size", "big"), "--size 'big'"),
    Case("present-damaged-manifest", ("present", "a"), "damaged run manifest",
         files={"a/manifest.json": "{"}),
    Case("present-different-cities", ("present", "a", "b"), "are runs of different cities",
         files={"a/manifest.json": _manifest(2025, "one"), "b/manifest.json": _manifest(2025, "two")}),
    Case("present-no-common-year", ("present", "a", "b"), "b: no year in common with a",
         files={"a/manifest.json": _manifest(2025), "b/manifest.json": _manifest(2030)}),
    Case("present-view-html-suffix", ("view", "a", "--html", "page.pdf"),
         "--html wants a file ending in .html or .htm", files={"a/manifest.json": _manifest(2025)}),
]
