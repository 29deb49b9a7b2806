"""The reference grid cases run by our loading and by UXsim (Python and C++ engines) in one process.

Run: ``python benchmarks/traffic_grid_vs_uxsim.py [--cases 10k 50k] [--repeat 3]``. Same network
and demand files (data/traffic_grid), UXsim with the README's settings (deltan=5,
reaction time 1 s, default dynamic-user-optimum route choice, random_seed=1, tmax 7,200 s).
Reports completed trips, mean travel time, simulation wall time (median of ``--repeat``; set-up
and import excluded), the speed ratios, and the process's peak RSS after each engine's runs. Peak
RSS only grows, so for each engine's own memory run it alone: ``--engines uxsim_cpp``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

import pandas as pd

from twin.extras import require_extra

GRID = Path(__file__).resolve().parents[1] / "data" / "traffic_grid"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_ours(case: str) -> dict:
    from twin.traffic import LoadingSettings, read_network_csv, read_trips_csv, simulate

    net = read_network_csv(GRID / "grid10x10_nodes.csv", GRID / "grid10x10_links.csv")
    trips = read_trips_csv(
        GRID / f"demand_grid10x10_{case}_seed1.csv", net, GRID / "grid10x10_nodes.csv"
    ).trips
    settings = LoadingSettings(time_step_s=1.0, platoon=5, route_choice="enroute", horizon_s=7200.0)
    start = time.perf_counter()
    s = simulate(net, trips, settings).summary()
    seconds = time.perf_counter() - start
    return {
        "completed": s["completed"],
        "mean_travel_time_s": s["mean_travel_time_s"],
        "seconds": seconds,
    }


def uxsim_grid_world(demand: pd.DataFrame, cpp: bool, tmax_s: float = 7200.0):
    """A UXsim ``World`` on the 10x10 grid with ``demand`` added (not yet run).

    ``demand`` has the columns of the grid demand files (origin, destination, depart_time_s,
    count; counts in multiples of 5). Settings as in data/traffic_grid/README.md: deltan=5,
    reaction time 1 s (so a 5 s time step), default dynamic-user-optimum route choice,
    random_seed=1; ``cpp`` selects UXsim's C++ engine. Imports no CityTwin engine.
    """
    uxsim = require_extra("uxsim", "peers", "benchmarks/traffic_grid_vs_uxsim.py")

    nodes = pd.read_csv(GRID / "grid10x10_nodes.csv")
    links = pd.read_csv(GRID / "grid10x10_links.csv")
    w = uxsim.World(
        name="grid",
        deltan=5,
        reaction_time=1,
        tmax=tmax_s,
        random_seed=1,
        print_mode=0,
        save_mode=0,
        show_mode=0,
        show_progress=0,
        cpp=cpp,
    )
    for row in nodes.itertuples():
        w.addNode(str(row.node_id), row.x_m, row.y_m)
    for row in links.itertuples():
        w.addLink(
            str(row.link_id),
            str(row.from_node),
            str(row.to_node),
            length=row.length_m,
            free_flow_speed=row.free_speed_mps,
            jam_density_per_lane=row.jam_density_veh_per_m_per_lane,
            number_of_lanes=int(row.lanes),
        )
    for row in demand.itertuples():
        for _ in range(int(row.count) // 5):
            w.addVehicle(str(row.origin), str(row.destination), float(row.depart_time_s))
    return w


def run_uxsim(case: str, cpp: bool) -> dict:
    """UXsim on the grid case (the set-up is Python, as UXsim users write it; only the run is timed).

    Imports no CityTwin engine, so benchmarks/startup_vs_peers.py runs it as UXsim's whole process.
    """
    w = uxsim_grid_world(pd.read_csv(GRID / f"demand_grid10x10_{case}_seed1.csv"), cpp)
    start = time.perf_counter()
    w.exec_simulation()
    seconds = time.perf_counter() - start
    w.analyzer.basic_analysis()
    return {
        "completed": int(w.analyzer.trip_completed),
        "mean_travel_time_s": float(w.analyzer.average_travel_time),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["10k", "50k"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=["citytwin", "uxsim_cpp", "uxsim_python"])
    args = parser.parse_args()
    run_ours("10k")  # numba compile or cache load, outside the timings
    rows = []
    for engine, fn in (
        ("citytwin", run_ours),
        ("uxsim_cpp", lambda c: run_uxsim(c, True)),
        ("uxsim_python", lambda c: run_uxsim(c, False)),
    ):
        if engine not in args.engines:
            continue
        for case in args.cases:
            try:
                runs = [fn(case) for _ in range(args.repeat)]
            except Exception as exc:  # UXsim's C++ engine may be missing from the installed wheel
                rows.append({"engine": engine, "case": case, "error": f"{type(exc).__name__}: {exc}"})
                continue
            best = runs[0] | {"seconds": statistics.median(r["seconds"] for r in runs)}
            rows.append({"engine": engine, "case": case, **best, "peak_rss_mb": _peak_rss_mb()})
            print(json.dumps(rows[-1]), flush=True)
    ours = {r["case"]: r["seconds"] for r in rows if r["engine"] == "citytwin"}
    for r in rows:
        if r["engine"] != "citytwin" and "seconds" in r and r["case"] in ours:
            print(f"{r['case']}: citytwin is {r['seconds'] / ours[r['case']]:.1f}x faster than {r['engine']}")


if __name__ == "__main__":
    main()
