"""MCLP station siting: the exact MILP equals brute force, and its proposal is a working lever."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.emergency.siting import brute_force_mclp, covered_weight, propose_stations, solve_mclp
from twin.emergency.travel import emergency_link_times
from twin.kernels.shortest_path import travel_time_matrix


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_milp_equals_brute_force_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    cover = rng.random((12, 30)) < 0.15
    weight = rng.integers(1, 100, 30).astype(float)
    fixed = np.zeros(12, dtype=bool)
    fixed[:2] = True
    result = solve_mclp(cover, weight, 3, fixed)
    assert len(result.chosen) == 3 and not fixed[list(result.chosen)].any()
    assert result.covered_after == pytest.approx(brute_force_mclp(cover, weight, 3, fixed))
    assert result.covered_before == covered_weight(cover, weight, fixed)


def test_testville_proposal_matches_brute_force(testville):
    result, sites = propose_stations(testville, "ambulance", 2, 2.0, speed_factor=1.25)
    assert result.covered_after > result.covered_before
    ff = testville.network.free_flow_time_s
    seconds = travel_time_matrix(
        testville.network, emergency_link_times(ff, ff, 1.25, 0.0), sites, testville.zones.node
    )
    fixed = np.zeros(len(sites), dtype=bool)
    fixed[: len(sites) - len(testville.zones)] = True
    best = brute_force_mclp(seconds <= 120.0, testville.zones.population, 2, fixed)
    assert result.covered_after == pytest.approx(best)


def test_site_command_output_feeds_a_scenario(tmp_path, capsys):
    assert main(["emergency", "site", "testville", "--add", "1", "--standard-min", "2", "--json"]) == 0
    proposal = json.loads(capsys.readouterr().out)
    station = proposal["stations"][0]
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in station.items())
    path = tmp_path / "sited.toml"
    path.write_text(
        f'[scenario]\nname = "sited"\ncity = "testville"\nperiod_days = 0.05\n\n'
        f"[[emergency.stations]]\n{body}\n",
        encoding="utf-8",
    )
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet", "--no-picture"]) == 0
    stations = pd.read_parquet(tmp_path / "run" / "state" / "stations.parquet")
    assert station["name"] in set(stations["station"])
