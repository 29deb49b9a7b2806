"""Bad seed city files: the organic layout, hills and highway keys of issue 17."""

from __future__ import annotations

from tests.badinput import Case

SEED = """[city]
name = "tiny"
[[districts]]
name = "core"
outline = [[-1000, -1000], [1000, -1000], [1000, 1000], [-1000, 1000]]
centre = [0, 0]
population = 1000
jobs = 500
"""

CASES = [
    Case("seedcity-layout-unknown", ("city", "info", "s.toml"), "layout",
         files={"s.toml": SEED + 'layout = "radial"\n'}),
    Case("seedcity-local-splits-too-many", ("city", "info", "s.toml"), "local_splits",
         files={"s.toml": SEED + 'layout = "organic"\nlocal_splits = 40\n'}),
    Case("seedcity-hill-two-points", ("city", "info", "s.toml"), "outline needs at least 3 points",
         files={"s.toml": SEED + '[[hills]]\nname = "H"\noutline = [[0, 0], [1, 1]]\n'}),
    Case("seedcity-highway-class-unknown", ("city", "info", "s.toml"), "road_class",
         files={"s.toml": SEED + '[[highways]]\nname = "R"\npoints = [[0, 0], [900, 0]]\n'
                'road_class = "motorway"\n'}),
    Case("seedcity-interchange-not-a-point", ("city", "info", "s.toml"), "interchanges must be points",
         files={"s.toml": SEED + '[[highways]]\nname = "R"\npoints = [[0, 0], [900, 0]]\n'
                'interchanges = [[1, 2, 3]]\n'}),
    Case("seedcity-no-street-inside", ("city", "info", "s.toml"), "no street inside any district",
         files={"s.toml": SEED.replace("-1000", "10").replace("1000", "60") + 'layout = "organic"\n'}),
]
