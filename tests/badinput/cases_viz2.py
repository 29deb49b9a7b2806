"""Bad input for the presenter's stills and videos of ``twin view``: ``--focus`` and ``--story``."""

from __future__ import annotations

import json

from badinput import Case

RUN = json.dumps({"scenario": {"scenario": {"name": "x", "city": "testville"}}})

CASES = [
    Case("viz2-focus-unknown", ("view", "a", "--focus", "Nowhere", "--png", "x.png"),
         "--focus 'Nowhere': not a district or bridge of testville; names: Old Town",
         files={"a/manifest.json": RUN}),
    Case("viz2-focus-video", ("view", "a", "--layer", "traffic", "--focus", "Old Town",
                              "--mp4", "x.mp4"),
         "--focus frames a picture", files={"a/manifest.json": RUN}),
    Case("viz2-story-gif", ("view", "a", "--story", "x.gif"),
         "x.gif: --story writes an MP4 video", files={"a/manifest.json": RUN}),
    Case("viz2-story-layer", ("view", "a", "--story", "x.mp4", "--layer", "waste"),
         "--story tells the traffic at the peak hour", files={"a/manifest.json": RUN}),
    Case("viz2-story-no-traffic", ("view", "a", "--story", "x.mp4"),
         "a: the traffic layer needs timeseries/link_timeseries.parquet",
         files={"a/manifest.json": RUN}),
    Case("viz2-every-negative", ("view", "a", "--layer", "traffic", "--mp4", "x.mp4", "--every", "-5"),
         "--every -5: minutes between frames must be >= 0", files={"a/manifest.json": RUN}),
    Case("viz2-colour-by-unknown", ("view", "a", "--colour-by", "mood", "--png", "x.png"),
         "--colour-by 'mood': expected one of population_change", files={"a/manifest.json": RUN}),
    Case("viz2-colour-by-two-runs", ("view", "a", "a", "--colour-by", "waste_fill", "--png", "x.png"),
         "--colour-by colours the buildings of a picture", files={"a/manifest.json": RUN}),
    Case("viz2-colour-by-no-table", ("view", "a", "--colour-by", "waste_fill", "--png", "x.png"),
         "a: the waste layer needs state/bins.parquet", files={"a/manifest.json": RUN}),
]
