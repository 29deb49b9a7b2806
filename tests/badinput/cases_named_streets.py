"""Bad [[named_arterials]] in a seed city file (issue 17: real road names on generated arterials)."""

from __future__ import annotations

from tests.badinput import Case
from tests.badinput.cases_seedcity import SEED

ALONG = '[[named_arterials]]\nname = "Jianshe Road"\npath = [[-900, 0], [900, 0]]\n'

CASES = [
    Case("named_streets-path-names-no-link", ("city", "info", "s.toml"),
         "s.toml: named_arterials[0] 'Jianshe Road': its path names no link",
         files={"s.toml": SEED + ALONG.replace("[[-900, 0], [900, 0]]", "[[5000, 5000], [6000, 5000]]")}),
    Case("named_streets-duplicate-name", ("city", "info", "s.toml"),
         "road names must be unique across highways, bridges and named_arterials: 'Jianshe Road'",
         files={"s.toml": SEED + '[[highways]]\nname = "Jianshe Road"\npoints = [[0, 0], [900, 0]]\n'
                + ALONG}),
    Case("named_streets-snap-too-far", ("city", "info", "s.toml"), "snap_m",
         files={"s.toml": SEED + ALONG + "snap_m = 2000\n"}),
    Case("named_streets-snap-zero", ("city", "info", "s.toml"), "snap_m",
         files={"s.toml": SEED + ALONG + "snap_m = 0\n"}),
    Case("named_streets-path-one-point", ("city", "info", "s.toml"), "path needs at least 2 points",
         files={"s.toml": SEED + ALONG.replace("[[-900, 0], [900, 0]]", "[[0, 0]]")}),
]
