"""Pictures of a city and of two runs compared, from Python (the same as ``twin view``).

Makes two small run folders of the test city with synthetic tables that follow the run-folder
table contract (a busy day and a calm day), then writes the city picture, the busy day's traffic
at 04:30, the two runs side by side, and the difference busy minus calm.
"""

from pathlib import Path

import viz
from viz.compare import render_difference, render_side_by_side
from viz.synthetic import write_synthetic_run

busy = viz.RunTables(write_synthetic_run("testville", Path("runs/busy"), seed=1, congestion=1.0,
                                         name="busy day"))
calm = viz.RunTables(write_synthetic_run("testville", Path("runs/calm"), seed=2, congestion=0.3,
                                         name="calm day"))
city = busy.city

plotter, _ = viz.render_city(city, title=city.label, size=(1200, 750))
print("city:", viz.save_png(plotter, "city.png"))

morning = viz.layer_view(busy, "traffic", time_s=4.5 * 3600)
plotter, _ = viz.render_city(city, morning, title=busy.name, size=(1200, 750))
print("traffic at 04:30:", viz.save_png(plotter, "traffic_0430.png"))

views = [viz.layer_view(run, "traffic") for run in (busy, calm)]
plotter, _ = render_side_by_side(city, views, [busy.name, calm.name], size=(1600, 700))
print("side by side:", viz.save_png(plotter, "side_by_side.png"))

plotter, scene = render_difference(city, *views, busy.name, calm.name, size=(1200, 750))
print("difference:", viz.save_png(plotter, "difference.png"))
low, high = scene.clim
assert low == -high  # a diverging scale centred on "no change"
