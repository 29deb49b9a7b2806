"""UXsim's N-curves on a congested grid: the reference of tests/test_traffic_vs_uxsim_ncurves.py.

Run: ``python benchmarks/make_uxsim_ncurve_reference.py`` (needs the ``peers`` extra: UXsim 1.15.1).
Writes into data/traffic_grid/:

- ``demand_grid10x10_centre20k_seed1.csv``: 20,000 vehicles (4,000 platoons of 5) from the 96
  outer nodes to the four central nodes (44, 45, 54, 55), departures uniform over the first 30 min
  (floored to 5 s), numpy ``default_rng(1)``. The eight links that cross into the central block
  carry 8 x 2,880 = 23,040 veh/h against a demand of 40,000 veh/h, so queues build and spill back.
- ``uxsim_centre20k_ncurves.csv``: link_id, t_s, cum_arrivals, cum_departures: vehicles that
  entered and left each link by ``t_s`` (every 60 s, 0-7,200 s), for the 16 links into the
  central nodes and the 20 links with the most delay (vehicle-hours on the link beyond free flow).
- ``uxsim_centre20k_summary.json``: UXsim's version and settings, completed vehicles, mean
  travel time (s), and the vehicles arrived by each minute.

UXsim runs its C++ engine with the settings of benchmarks/traffic_grid_vs_uxsim.py (deltan 5,
reaction time 1 s, dynamic user optimum, random_seed 1); a second run must give the same curves.
"""

from __future__ import annotations

import json
from importlib.metadata import version

import numpy as np
import pandas as pd
from traffic_grid_vs_uxsim import GRID, uxsim_grid_world

CASE = "centre20k"
CENTRE = (44, 45, 54, 55)
VEHICLES = 20_000
DEPART_WINDOW_S = 1800.0
HORIZON_S = 7200
EVERY_S = 60
TOP_DELAY_LINKS = 20


def centre_demand(seed: int = 1) -> pd.DataFrame:
    """The demand: platoons of 5 from the outer nodes to the central four (see the module docstring)."""
    rng = np.random.default_rng(seed)
    rows = VEHICLES // 5
    outer = np.setdiff1d(np.arange(100), CENTRE)
    origin = outer[rng.integers(0, outer.size, rows)]
    destination = np.asarray(CENTRE)[rng.integers(0, len(CENTRE), rows)]
    depart = (np.floor(rng.uniform(0.0, DEPART_WINDOW_S, rows) / 5.0) * 5.0).astype(int)
    frame = pd.DataFrame({"origin": origin, "destination": destination, "depart_time_s": depart, "count": 5})
    return frame.sort_values("depart_time_s", kind="stable").reset_index(drop=True)


def run(demand: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """UXsim (C++) on ``demand``: the summary and every link's cumulative counts on the 60 s grid."""
    w = uxsim_grid_world(demand, cpp=True, tmax_s=HORIZON_S)
    w.exec_simulation()
    w.analyzer.basic_analysis()
    grid = np.arange(0, HORIZON_S + 1, EVERY_S)
    # UXsim keeps one count per time step of DELTAT s, HORIZON_S / DELTAT of them
    steps = np.minimum(grid // w.DELTAT, HORIZON_S // w.DELTAT - 1).astype(int)
    links = pd.read_csv(GRID / "grid10x10_links.csv")
    frames = []
    for link_id in links.link_id:
        link = w.get_link(str(link_id))
        frames.append(pd.DataFrame({
            "link_id": link_id,
            "t_s": grid,
            "cum_arrivals": np.asarray(link.cum_arrival)[steps].astype(int),
            "cum_departures": np.asarray(link.cum_departure)[steps].astype(int),
        }))
    curves = pd.concat(frames, ignore_index=True)
    # arrival_time is in UXsim time steps (DELTAT s); -1 for vehicles still travelling
    arrived = np.array([v.arrival_time for v in w.VEHICLES.values()], dtype=float)
    arrived = np.sort(arrived[arrived >= 0] * w.DELTAT)
    summary = {
        "uxsim_version": version("uxsim"),
        "engine": "C++ (World(cpp=True))",
        "settings": "deltan=5, reaction_time=1 s (time step 5 s), tmax=7200 s, random_seed=1, "
        "default route choice (dynamic user optimum, duo_update_time 600 s, weight 0.5)",
        "demand": f"demand_grid10x10_{CASE}_seed1.csv",
        "vehicles": int(demand["count"].sum()),
        "completed": int(w.analyzer.trip_completed),
        "mean_travel_time_s": round(float(w.analyzer.average_travel_time), 2),
        "every_s": EVERY_S,
        "arrived_by_t": (np.searchsorted(arrived, grid, side="right") * w.DELTAN).tolist(),
    }
    return summary, curves


def main() -> None:
    demand = centre_demand()
    summary, curves = run(demand)
    again, curves_again = run(demand)
    if again != summary or not curves.equals(curves_again):
        raise SystemExit("UXsim gave different results on a second run: not a reproducible reference")
    content = curves.groupby("link_id")
    on_link_s = content.apply(lambda c: float((c.cum_arrivals - c.cum_departures).iloc[:-1].sum() * EVERY_S))
    links = pd.read_csv(GRID / "grid10x10_links.csv").set_index("link_id")
    free_s = links.length_m / links.free_speed_mps
    delay_s = on_link_s - content.cum_departures.last() * free_s
    into_centre = links.index[links.to_node.isin(CENTRE)]
    keep = sorted(set(into_centre) | set(delay_s.nlargest(TOP_DELAY_LINKS).index))
    summary["links_into_centre"] = [int(i) for i in into_centre]
    summary["most_delay_links"] = [int(i) for i in delay_s.nlargest(TOP_DELAY_LINKS).index]
    demand.to_csv(GRID / f"demand_grid10x10_{CASE}_seed1.csv", index=False)
    curves[curves.link_id.isin(keep)].to_csv(GRID / f"uxsim_{CASE}_ncurves.csv", index=False)
    (GRID / f"uxsim_{CASE}_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: summary[k] for k in ("completed", "mean_travel_time_s", "most_delay_links")}))


if __name__ == "__main__":
    main()
