"""Congested grid against UXsim 1.15.1: mean travel time and cumulative counts (N-curves), not the mean alone.

The case (data/traffic_grid/README.md, made by benchmarks/make_uxsim_ncurve_reference.py): 20,000
vehicles from the 96 outer nodes of the 10x10 grid to its four central nodes, departing over the
first 30 min. The eight links that cross into the central block carry 23,040 veh/h against
40,000 veh/h of demand, so queues build there and spill back; UXsim's mean travel time is about
four times the free-flow one. Route choice splits the flow over many equal grid paths differently
in the two models, so single links far from the bottleneck are not compared; the curves compared
are those every vehicle must cross: the cordon into the central block (8 links, summed), the four
links into each destination node (summed per node), and the vehicles arrived by each minute.

Each tolerance is two to three times the measured disagreement of the real model, and each check
on its own rejects two wrong models (tested below): the capacity scaled by 0.8 (queues discharge
too slowly) and congestion switched off (capacity x100 and storage x10: free flow). Measured
(docs/traffic.md, "Validation against UXsim N-curves"): mean travel time 4.7 % off, cordon nRMSE
0.012 (largest difference 3.0 % of the count), destination nodes 0.024 at worst, vehicles arrived
0.011, the cordon queue clears 120 s apart; capacity x0.8 gives 43 %, 0.095 (20 %), 0.106, 0.095
and 1,140 s; congestion off 75 %, 0.18 (44 %), 0.20, 0.18 and 1,320 s.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest

from twin.city import RoadNetwork
from twin.traffic import DynamicLoading, LoadingSettings, Trips, read_network_csv, read_trips_csv

CENTRE = (44, 45, 54, 55)
TOL = {
    "mean_travel_time": 0.10,  # |ours / UXsim - 1|
    "cordon_nrmse": 0.03,  # RMS over time of the count difference, over the total count
    "cordon_max": 0.07,  # largest count difference, over the total count
    "destination_nrmse": 0.06,  # the worst of the four destination nodes
    "arrived_nrmse": 0.03,
    "queue_clears_s": 300.0,  # when the vehicles on the cordon links fall for good below half UXsim's peak
}
WRONG_MODELS = {
    "capacity x0.8": {"capacity": 0.8, "storage": 1.0},
    "congestion off": {"capacity": 100.0, "storage": 10.0},
}


@pytest.fixture(scope="module")
def case(reference_data):
    folder = reference_data / "traffic_grid"
    net = read_network_csv(folder / "grid10x10_nodes.csv", folder / "grid10x10_links.csv")
    trips = read_trips_csv(folder / "demand_grid10x10_centre20k_seed1.csv", net).trips
    ref = json.loads((folder / "uxsim_centre20k_summary.json").read_text())
    curves = pd.read_csv(folder / "uxsim_centre20k_ncurves.csv")
    return net, trips, ref, curves


def run_ours(
    net: RoadNetwork, trips: Trips, every_s: float, capacity: float = 1.0, storage: float = 1.0
) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """Our loading with the grid benchmark's settings, sampled every ``every_s`` seconds.

    ``capacity`` and ``storage`` scale every link's (the wrong models). Returns the summary,
    per-link cumulative arrivals and departures (vehicles, links x times) and the
    vehicles arrived by each time. Departures are the recorded link exits; arrivals are those
    plus the vehicles on the link at the sample time.
    """
    settings = LoadingSettings(
        time_step_s=1.0, platoon=5, route_choice="enroute", horizon_s=7200.0, record_interval_s=every_s
    )
    load = DynamicLoading(net, trips, settings, capacity_vph=net.link_capacity_vph * capacity,
                          storage_veh=net.storage_veh * storage)
    on_link = [load.occ.copy()]
    while load.t < settings.horizon_s - 1e-9:
        load.advance(load.t + every_s)
        on_link.append(load.occ.copy())
    departures = np.vstack([np.zeros(net.n_links), np.cumsum(load.rec_exits, axis=0)]).T
    arrivals = departures + np.array(on_link).T
    grid = np.arange(departures.shape[1]) * every_s
    done = np.isfinite(load.veh_arrive)
    order = np.argsort(load.veh_arrive[done])
    by_row = np.concatenate([[0], np.cumsum(load.veh_size[done][order])])
    arrived = by_row[np.searchsorted(load.veh_arrive[done][order], grid, side="right")]
    return load.summary(), arrivals, departures, arrived


def disagreement(case: tuple, capacity: float = 1.0, storage: float = 1.0) -> dict:
    """Each compared figure's disagreement with UXsim (dimensionless, or seconds for the queue)."""
    net, trips, ref, curves = case
    summary, arrivals, departures, arrived = run_ours(net, trips, ref["every_s"], capacity, storage)
    index = {int(i): k for k, i in enumerate(net.link_id)}
    ux = {side: curves.pivot(index="link_id", columns="t_s", values=f"cum_{side}")
          for side in ("arrivals", "departures")}
    ours = {"arrivals": arrivals, "departures": departures}

    def summed(side, link_ids):
        return ours[side][[index[i] for i in link_ids]].sum(0), ux[side].loc[link_ids].to_numpy().sum(0)

    def nrmse(a, b):
        return float(np.sqrt(np.mean((a - b) ** 2)) / b[-1])

    into = np.asarray(ref["links_into_centre"])
    frm = net.link_from[[index[i] for i in into]]
    cordon = into[~np.isin(frm, CENTRE)]
    out = {"mean_travel_time": abs(summary["mean_travel_time_s"] / ref["mean_travel_time_s"] - 1.0)}
    errors = [summed(side, cordon) for side in ("arrivals", "departures")]
    out["cordon_nrmse"] = max(nrmse(a, b) for a, b in errors)
    out["cordon_max"] = max(float(np.abs(a - b).max() / b[-1]) for a, b in errors)
    to = net.link_to[[index[i] for i in into]]
    out["destination_nrmse"] = max(nrmse(*summed("departures", into[to == node])) for node in CENTRE)
    out["arrived_nrmse"] = nrmse(arrived, np.asarray(ref["arrived_by_t"]))
    (a_in, u_in), (a_out, u_out) = errors
    queue, ux_queue = a_in - a_out, u_in - u_out
    half = 0.5 * ux_queue.max()
    out["queue_clears_s"] = ref["every_s"] * abs(
        int(np.flatnonzero(queue > half)[-1]) - int(np.flatnonzero(ux_queue > half)[-1])
    )
    out["completed"] = summary["completed"]
    return out


@pytest.fixture(scope="module")
def measured(case):
    """The disagreement of a model (None: ours as it is; else a name in WRONG_MODELS), computed once."""
    return functools.cache(lambda name: disagreement(case, **WRONG_MODELS.get(name, {})))


def test_case_is_congested_and_congestion_off_is_free_flow(case):
    net, trips, ref, _ = case
    free = run_ours(net, trips, ref["every_s"], **WRONG_MODELS["congestion off"])[0]
    settings = LoadingSettings(time_step_s=1.0, platoon=5, horizon_s=7200.0)
    free_flow_s = DynamicLoading(net, trips, settings).free_flow_row_time_s().mean()
    # the wrong model is free flow (each link costs its free-flow time, plus up to a step per node)
    assert free["mean_travel_time_s"] == pytest.approx(free_flow_s, rel=0.03)
    # and congestion changes the answer: UXsim's mean is far above free flow
    assert ref["completed"] == ref["vehicles"] == 20_000
    assert ref["mean_travel_time_s"] > 3.0 * free_flow_s


@pytest.mark.parametrize("check", list(TOL))
def test_matches_uxsim(measured, check):
    got = measured(None)
    assert got["completed"] == 20_000
    assert got[check] <= TOL[check]


@pytest.mark.parametrize("model", list(WRONG_MODELS))
@pytest.mark.parametrize("check", list(TOL))
def test_each_check_rejects_the_wrong_model(measured, model, check):
    assert measured(model)[check] > TOL[check]
