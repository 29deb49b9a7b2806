"""A view layer of your own, registered and drawn by `twin view --layer` (off screen)."""

from pathlib import Path

import numpy as np

import viz
from twin.cli import main
from viz.synthetic import write_synthetic_run


def slow_roads(run, *, time_s, year):
    """Roads where traffic moved at under half its free-flow speed by the end of the run."""
    state = run.table("slow_roads", "state", "link_state", ("link", "speed_ratio"))
    slow = np.zeros(run.city.network.n_links)
    slow[state.link.to_numpy(int)] = state.speed_ratio.to_numpy(float) < 0.5
    field = viz.Field("link", slow, "under half free-flow speed", "", "Reds", (0.0, 1.0))
    return viz.LayerView("slow_roads", "slow roads, end of run", field)


viz.register_layer("slow_roads", slow_roads)

run = write_synthetic_run("testville", Path("runs/busy"), seed=1, congestion=1.0, name="busy day")
assert main(["view", str(run), "--layer", "slow_roads", "--png", "slow_roads.png", "--size", "800x500"]) == 0
