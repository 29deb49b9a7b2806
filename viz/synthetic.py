"""Synthetic run tables that follow the run-folder table contract, for demos, tests and benchmarks.

The viewer draws whatever the modules write (see docs/viz.md for the contract). These tables are
made up (random, seeded) but have the right names, columns and units, so the viewer can be tried,
tested and timed on any city without running the traffic, emergency, waste and migration models.
They are never mistaken for results: the manifest marks the run as ``synthetic``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from twin.city import City


def synthetic_tables(city: City, *, seed: int = 0, congestion: float = 1.0, year: int = 2026,
                     hours: float = 6.0) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """(state, timeseries) tables for ``city``: traffic, emergency, waste and migration.

    ``congestion`` scales how slow traffic gets (0: free flow everywhere) and how late responses
    and how full bins are, so two calls with different values give two "scenarios" to compare.
    """
    rng = np.random.default_rng(seed)
    net = city.network
    n_links = net.n_links
    state: dict[str, pd.DataFrame] = {}
    series: dict[str, pd.DataFrame] = {}

    ratio = np.clip(1.0 - congestion * rng.random(n_links), 0.0, 1.0)
    state["link_state"] = pd.DataFrame({
        "link": np.arange(n_links), "flow_veh": rng.random(n_links) * 1000.0,
        "mean_speed_mps": ratio * net.link_free_speed_mps, "speed_ratio": ratio,
        "max_queue_veh": rng.random(n_links) * 20.0 * congestion})
    times = np.arange(0.0, hours * 3600.0, 900.0)
    busy = np.arange(0, n_links, 2)
    peak = np.exp(-(((times - 0.75 * hours * 3600.0) / 3600.0) ** 2))  # a morning peak
    frames = []
    for t, level in zip(times, peak, strict=True):
        slow = np.clip(1.0 - congestion * level * rng.random(busy.size), 0.05, 1.0)
        frames.append(pd.DataFrame({
            "year": year, "time_s": t, "link": busy, "flow_vph": 200.0 + 1500.0 * level * slow,
            "speed_mps": net.link_free_speed_mps[busy] * slow, "density_vpm": 0.02 * level}))
    series["link_timeseries"] = pd.concat(frames, ignore_index=True)

    n_inc = 60
    pick = rng.integers(0, len(city.buildings), n_inc)
    b = city.buildings
    state["incidents"] = pd.DataFrame({
        "year": year, "time_s": np.sort(rng.random(n_inc) * hours * 3600.0), "type": "medical",
        "priority": 1, "x": b.x[pick], "y": b.y[pick], "zone": b.zone[pick],
        "district": city.zones.district[b.zone[pick]],
        "response_s": 300.0 + rng.random(n_inc) * 900.0 * congestion})
    base = city.facilities.of_kind("ems_base")
    origin = base[rng.integers(0, base.size, n_inc)] if base.size else np.zeros(n_inc, int)
    incidents = state["incidents"]
    state["dispatches"] = pd.DataFrame({
        "year": year, "time_s": incidents.time_s, "unit": [f"ems-{k}" for k in origin],
        "unit_kind": "ambulance", "from_x": city.facilities.x[origin],
        "from_y": city.facilities.y[origin], "to_x": incidents.x, "to_y": incidents.y})

    n_bins = len(b)
    state["bins"] = pd.DataFrame({
        "bin": np.arange(n_bins), "x": b.x, "y": b.y, "stream": "residual", "capacity_l": 240.0,
        "fill_l": 240.0 * np.clip(rng.random(n_bins) * congestion, 0.0, 1.2), "overflow_kg": 0.0})
    depot = city.facilities.of_kind("waste_depot")
    start = (city.facilities.x[depot[0]], city.facilities.y[depot[0]]) if depot.size else (0.0, 0.0)
    steps = np.arange(0.0, hours * 3600.0, 600.0)
    trucks = []
    for truck in range(3):
        stops = rng.integers(0, n_bins, steps.size)
        x, y = b.x[stops].astype(float), b.y[stops].astype(float)
        x[0], y[0] = start
        trucks.append(pd.DataFrame({"year": year, "time_s": steps, "truck": truck,
                                    "stream": "residual", "x": x, "y": y}))
    series["truck_positions"] = pd.concat(trucks, ignore_index=True)

    growth = rng.normal(0.0, 0.05 * congestion, len(city.zones))
    series["zone_population"] = pd.concat([
        pd.DataFrame({"year": y, "zone": list(city.zones.name), "district": city.zones.district,
                      "population": np.round(city.zones.population * (1 + k * growth)),
                      "households": np.round(city.zones.population * (1 + k * growth) / 2.8)})
        for k, y in enumerate((year - 1, year))], ignore_index=True)
    return state, series


def write_synthetic_run(city_name: str, folder: str | Path, *, seed: int = 0,
                        congestion: float = 1.0, name: str = "synthetic") -> Path:
    """Write a run folder (manifest, state/, timeseries/) of synthetic tables for seed city
    ``city_name``; returns the folder."""
    folder = Path(folder)
    city = City.from_seed(city_name)
    state, series = synthetic_tables(city, seed=seed, congestion=congestion)
    for kind, tables in (("state", state), ("timeseries", series)):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for table, frame in tables.items():
            frame.to_parquet(folder / kind / f"{table}.parquet", index=False)
    manifest = {"scenario": {"scenario": {"name": name, "city": city_name, "seed": seed}},
                "inputs": {"city": city.source_hash}, "city": {"name": city.name},
                "synthetic": True}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder
