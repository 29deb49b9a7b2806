"""Dynamic traffic: the reference 10x10 grid on the command-line loader, then a closure on Testville.

Run: ``python docs/examples/traffic_grid_and_levers.py`` (about 10 s).
"""

from pathlib import Path

import numpy as np

from twin import City
from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import (
    LoadingSettings,
    TrafficConfig,
    TrafficModule,
    read_network_csv,
    read_trips_csv,
    simulate,
)

GRID = Path(__file__).resolve().parents[2] / "data" / "traffic_grid"  # data/README.md

# 1. External inputs: the grid case UXsim ran (its mean travel time: 339.9 s).
net = read_network_csv(GRID / "grid10x10_nodes.csv", GRID / "grid10x10_links.csv")
trips = read_trips_csv(GRID / "demand_grid10x10_10k_seed1.csv", net).trips
load = simulate(net, trips, LoadingSettings(time_step_s=1.0, platoon=5, horizon_s=7200.0))
s = load.summary()
print(f"grid 10k: {s['completed']:,} of {s['trips']:,} arrived, mean {s['mean_travel_time_s']:.1f} s")

# 2. The traffic Module on a city, with and without a bridge closure.
city = City.from_seed("testville")
for closed in ((), ("Test Bridge",)):
    module = TrafficModule(parse(TrafficConfig, {"closed_roads": list(closed)}, source="example"))
    model = TwinModel(city, [module], seed=1, period_days=1.0)
    model.step()
    kpi = {ind.name: ind.value for _, ind in model.indicator_rows}
    times = model.published.get("link_travel_time_s")
    print(f"closed={list(closed)}: mean trip {kpi['mean_trip_time']:.2f} min, "
          f"congestion index {kpi['congestion_index']:.3f}, {kpi['vehicle_km']:,.0f} veh-km, "
          f"closed links published as {np.unique(times[~np.isfinite(times)])}")
