"""The waste module on the test city: exact mass balance, determinism, trucks, coupling, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.engine import Module
from twin.errors import ScenarioError, TwinInputError
from twin.scenario.run import simulate
from twin.scenario.spec import scenario_from_dict
from twin.waste import STREAMS, Truck, WasteModule
from twin.waste.module import check_reachable

FAST = {"route_iterations": 20}


def waste_scenario(days: float = 2.0, years: int = 1, **waste):
    return scenario_from_dict(
        {
            "scenario": {
                "name": "waste_test",
                "city": "testville",
                "seed": 7,
                "period_days": days,
                "horizon_years": years,
            },
            "waste": {**FAST, **waste},
        }
    )


def balance(daily: pd.DataFrame) -> pd.Series:
    return (
        daily.in_bins_start_g + daily.generated_g - daily.collected_g - daily.overflow_g - daily.in_bins_end_g
    )


@pytest.fixture(scope="module")
def sensor_run():
    return simulate(waste_scenario(days=2.0, years=2, policy="sensor"))


def test_mass_balance_is_exact_every_day_and_stream(sensor_run):
    model, table, ts, state, _ = sensor_run
    daily = ts["waste_daily"]
    assert len(daily) == 2 * 2 * len(STREAMS)
    assert (balance(daily) == 0).all()
    assert (daily.collected_g > 0).any() and (daily.generated_g > 0).all()
    # consecutive days chain: today's start is yesterday's end
    for _, rows in daily.groupby(["year", "stream"]):
        assert (rows.in_bins_start_g.to_numpy()[1:] == rows.in_bins_end_g.to_numpy()[:-1]).all()
    bins = model.modules[0].bins
    assert (
        bins.fill_g.sum()
        == daily[daily.year == daily.year.max()].groupby("stream").in_bins_end_g.last().sum()
    )


def test_overflow_is_litter_and_balance_still_holds():
    model, table, ts, state, _ = simulate(
        waste_scenario(
            days=2.0,
            design_days={s: 0.4 for s in STREAMS},
            trucks={"kitchen": 1, "recyclable": 1, "hazardous": 1, "residual": 1},
            truck_capacity_kg={"kitchen": 500.0, "recyclable": 500.0, "hazardous": 500.0, "residual": 500.0},
        )
    )
    daily = ts["waste_daily"]
    assert (balance(daily) == 0).all()
    assert daily.overflow_g.sum() > 0 and daily.overflow_bins.sum() > 0
    litter = table[table.indicator == "litter_share"].value.iloc[0]
    assert litter == pytest.approx(100 * daily.overflow_g.sum() / daily.generated_g.sum())
    assert state["bins"].overflow_kg.sum() * 1000 == pytest.approx(daily.overflow_g.sum())


def test_same_seed_same_bits():
    a = simulate(waste_scenario(days=1.0, policy="sensor"))
    b = simulate(waste_scenario(days=1.0, policy="sensor"))
    for name in ("waste_daily", "truck_positions"):
        pd.testing.assert_frame_equal(a[2][name], b[2][name])
    pd.testing.assert_frame_equal(a[3]["bins"], b[3]["bins"])


def test_trucks_are_mesa_agents_and_drive(sensor_run):
    model, table, ts, state, _ = sensor_run
    trucks = model.agents.select(agent_type=Truck)
    assert len(trucks) == sum(WasteModule.config_class().trucks.values())
    assert sum(t.km for t in trucks) > 0
    positions = ts["truck_positions"]
    assert set(positions.columns) == {"year", "time_s", "truck", "stream", "x", "y"}
    assert set(positions.stream) <= set(STREAMS)
    assert set(state["bins"].columns) >= {"bin", "x", "y", "stream", "capacity_l", "fill_l", "overflow_kg"}


def test_indicators_cover_every_stream_and_the_totals(sensor_run):
    table = sensor_run[1]
    names = set(table[table.domain == "waste"].indicator)
    for metric in (
        "generated_kg",
        "collected_kg",
        "left_in_bins_kg",
        "overflow_kg",
        "overflow_bin_days",
        "truck_km",
        "truck_hours",
        "co2_per_tonne",
        "cost_per_tonne",
    ):
        assert metric in names
        assert all(f"{metric}_{s}" in names for s in STREAMS)
    assert {"recycling_rate", "contamination", "litter_share"} <= names
    assert "score_waste" in set(table[table.domain == "governance"].indicator)


class SlowRoads(Module):
    """Publishes link travel times three times free flow, as a congested traffic module would."""

    name = "slow_roads"

    def start_year(self, model, year):
        model.published.publish("link_travel_time_s", model.city.network.free_flow_time_s * 3.0, "s", "test")


def run_with_modules(modules, days=1.0):
    from twin import City, TwinModel

    model = TwinModel(City.from_seed("testville"), modules, seed=3, period_days=days)
    model.run_years()
    return model


def test_trucks_meet_congestion_and_add_their_load():
    from twin.config import parse
    from twin.waste import WasteConfig

    config = parse(WasteConfig, {**FAST, "policy": "fixed"}, source="test")
    free = run_with_modules([WasteModule(config)])
    slow = run_with_modules([SlowRoads(None), WasteModule(config)])
    hours = [sum(t.hours for t in m.agents.select(agent_type=Truck)) for m in (free, slow)]
    km = [sum(t.km for t in m.agents.select(agent_type=Truck)) for m in (free, slow)]
    speed = [k / h for k, h in zip(km, hours, strict=True)]
    assert hours[1] > hours[0] and speed[1] < 0.7 * speed[0]
    board = free.published.get("link_extra_vehicles")
    assert board is not None and board.shape == (free.city.network.n_links,)
    assert abs(board.sum()) < 1e-6  # every truck is home at the end of the day


def test_extra_vehicles_are_added_while_trucks_drive():
    from twin.config import parse
    from twin.waste import WasteConfig

    config = parse(WasteConfig, {**FAST, "policy": "fixed"}, source="test")
    samples = []

    class Probe(Module):
        name = "probe"

        def processes(self, model):
            def look():
                while True:
                    yield model.env.timeout(600.0)
                    board = model.published.get("link_extra_vehicles", None)
                    samples.append(0.0 if board is None else float(board.sum()))

            yield look()

    model = run_with_modules([WasteModule(config), Probe(None)], days=0.3)
    assert max(samples) > 0.5
    assert np.abs(model.published.get("link_extra_vehicles")).max() < 1e-9  # taken back at the period's end
    assert max(samples) <= sum(config.trucks.values()) + 1e-6


def test_a_stream_without_a_plant_is_refused():
    with pytest.raises(TwinInputError, match="stream 'kitchen' has no plant.*landfill"):
        simulate(waste_scenario(days=0.25, plants={"kitchen": ["landfill"]}))


def test_bad_rates_and_fleets_are_one_line_errors(tmp_path, capsys):
    for bad, pattern in (
        ("resident_kg_day = { kitchen = -0.1 }", "waste.resident_kg_day.kitchen': must be >= 0"),
        ("container_l = { residual = 0.0 }", "waste.container_l.residual': must be > 0"),
        ("trucks = { hazardous = 0 }", "stream 'hazardous' has no trucks"),
        ("truck_capacity_kg = { kitchen = -5.0 }", "truck_capacity_kg.kitchen': must be > 0"),
        ('policy = "sensors"', "did you mean 'sensor'"),
    ):
        path = tmp_path / "bad.toml"
        path.write_text(f'[scenario]\nname = "x"\ncity = "testville"\n\n[waste]\n{bad}\n')
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert pattern in err and err.count("\n") == 1, err
    with pytest.raises(ScenarioError):
        waste_scenario(optional_threshold=0.9, must_threshold=0.8)


def test_unreachable_bins_are_refused(testville):
    net = testville.network
    weight = net.free_flow_time_s.copy()
    target = int(net.link_to[0])
    weight[net.link_to == target] = np.inf
    depot = int(testville.facilities.node[testville.facilities.of_kind("waste_depot")][0])
    plants = testville.facilities.node[testville.facilities.of_kind("incinerator")]
    check_reachable(net, net.free_flow_time_s, np.array([depot]), plants, np.array([target]))
    with pytest.raises(TwinInputError, match="cannot be reached"):
        check_reachable(net, weight, np.array([depot]), plants, np.array([target]))


def test_predicted_fill_policy_and_distance_objective_run_without_sensors():
    model, table, ts, _, _ = simulate(
        waste_scenario(days=1.0, policy="predicted", route_objective="distance")
    )
    daily = ts["waste_daily"]
    assert (balance(daily) == 0).all()
    assert daily.km.sum() > 0 and daily.collected_g.sum() > 0


def test_a_bin_cut_off_by_a_closed_road_is_skipped():
    from twin.config import parse
    from twin.waste import WasteConfig

    class CloseBinNode(Module):
        """Closes every road into the node of the first bin (infinite travel time)."""

        name = "close_bin_node"

        def start_year(self, model, year):
            waste = next(m for m in model.modules if isinstance(m, WasteModule))
            self.node = int(waste.bins.node[0])
            net = model.city.network
            times = net.free_flow_time_s.copy()
            times[net.link_to == self.node] = np.inf
            model.published.publish("link_travel_time_s", times, "s", "test")

    for policy in ("fixed", "sensor"):
        closer = CloseBinNode(None)
        waste = WasteModule(parse(WasteConfig, {**FAST, "policy": policy}, source="test"))
        run_with_modules([closer, waste])
        cut_off = waste.bins.node == closer.node
        assert waste.bins.collected_g[cut_off].sum() == 0
        assert waste.bins.collected_g[~cut_off].sum() > 0
        assert (balance(waste.daily_frame()) == 0).all()
