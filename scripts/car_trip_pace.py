"""Car trips of a run by time of day: in-vehicle minutes, network speed and pace (min per km).

Issue 17 compares the seed city's car trips with published small-city figures, most of them for the
commute peak (Gaode 2018Q3: Kunshan's peak commute 7.5 km in 17.4 min, 2.32 min per km, 26 km/h).
A run's all-day mean mixes the night's free roads with the peaks; this splits it by departure band:

    python scripts/car_trip_pace.py runs/hezhou_baseline

It reads the run's ``timeseries/trip_times.parquet`` (one row per car-trip row: departure, loaded
time, vehicles) and ``timeseries/link_timeseries.parquet`` (flow and speed per link per record
interval), recorded days only (the run writes no warm-up day there). Per band: the mean car trip's
in-vehicle minutes (weighted by vehicles), the network's space-mean speed over the links' records
whose interval starts in the band (vehicle-km / vehicle-hours), and the pace it gives (60 / speed,
min per km); the mean trip's distance is its minutes at that speed (km), an estimate: short trips
drive slower local streets; and the congestion index, the band's loaded minutes over the same trips'
quickest free-flow minutes (Gaode's 拥堵延时指数 is this ratio: actual over free-flow time).
A band in which no car trip departs (e.g. the evening of a half-day period) is left out. The run
needs ``[output] timeseries = true`` (the default).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

BANDS = {"all day": (0.0, 24.0), "morning peak 07-09": (7.0, 9.0), "evening peak 17-19": (17.0, 19.0),
         "off-peak 10-16": (10.0, 16.0)}
"""Departure bands, hours of the day [start, end)."""


def pace_table(run: Path):
    """One row per band: trips, mean in-vehicle minutes, network km/h, min per km, estimated km."""
    import numpy as np
    import pandas as pd

    from twin.city.load import load_city
    from twin.reading import read_json

    series = run / "timeseries"
    trips = pd.read_parquet(series / "trip_times.parquet")
    links = pd.read_parquet(series / "link_timeseries.parquet")
    manifest = read_json(run / "manifest.json", what="run manifest",
                         remedy="point at a folder `twin run` wrote")
    scenario_file = run / manifest.get("scenario_file", "manifest.json")
    net = load_city(manifest["scenario"]["scenario"]["city"], str(scenario_file)).network
    interval_s = float(manifest["scenario"]["traffic"]["record_interval_min"]) * 60.0
    length_m = net.link_length_m[links["link"].to_numpy()]
    veh_m = links["flow_vph"].to_numpy() * interval_s / 3600.0 * length_m
    veh_s = np.divide(veh_m, links["speed_mps"].to_numpy(), out=np.zeros_like(veh_m),
                      where=links["speed_mps"].to_numpy() > 0)
    link_hour = (links["time_s"].to_numpy() % 86400.0) / 3600.0
    trip_hour = (trips["depart_s"].to_numpy() % 86400.0) / 3600.0
    w, minutes = trips["vehicles"].to_numpy(), trips["travel_time_s"].to_numpy() / 60.0
    free_min = _free_flow_min(net, trips["origin"].to_numpy(), trips["destination"].to_numpy())
    rows = []
    for band, (start, end) in BANDS.items():
        t = (trip_hour >= start) & (trip_hour < end)
        k = (link_hour >= start) & (link_hour < end)
        if w[t].sum() <= 0 or veh_s[k].sum() <= 0:
            continue
        mean_min = float(np.average(minutes[t], weights=w[t]))
        index = float((w[t] * minutes[t]).sum() / (w[t] * free_min[t]).sum())
        kph = float(veh_m[k].sum() / veh_s[k].sum() * 3.6)
        rows.append({"band": band, "car trips": int(round(w[t].sum())), "in-vehicle min": round(mean_min, 2),
                     "network km/h": round(kph, 1), "min per km": round(60.0 / kph, 2),
                     "estimated km": round(mean_min * kph / 60.0, 2), "congestion index": round(index, 2)})
    return pd.DataFrame(rows)


def _free_flow_min(net, origin, destination):
    """Each trip's quickest free-flow time from its origin node to the node it arrived at, minutes
    (scipy's Dijkstra from each origin node once)."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    order = np.lexsort((net.free_flow_time_s, net.link_to, net.link_from))  # quickest of parallel links first
    pair = np.stack([net.link_from[order], net.link_to[order]])
    first = order[np.concatenate([[True], (pair[:, 1:] != pair[:, :-1]).any(axis=0)])]
    graph = sparse.csr_matrix((net.free_flow_time_s[first], (net.link_from[first], net.link_to[first])),
                              shape=(net.n_nodes,) * 2)
    sources, row = np.unique(origin, return_inverse=True)
    seconds = csgraph.dijkstra(graph, indices=sources)
    return seconds[row, destination] / 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder with timeseries (twin run ... --out FOLDER)")
    args = parser.parse_args(argv)
    for name in ("trip_times.parquet", "link_timeseries.parquet"):
        if not (args.run / "timeseries" / name).is_file():
            print(f"car_trip_pace: error: {args.run}: no timeseries/{name}; run the scenario with "
                  "[output] timeseries = true", file=sys.stderr)
            return 2
    table = pace_table(args.run)
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
