"""Travel modes: the logit, the calibration of its constants, the levers, buses on the roads."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import TrafficConfig, TrafficModule
from twin.traffic.connectors import connector_sets, origin_sets, zone_skim
from twin.traffic.demand import gravity_probabilities
from twin.traffic.modes import (
    ModeChoice,
    ModeSupply,
    calibrate_constants,
    logit_shares,
    mode_totals,
    utilities,
)
from twin.traffic.modes_config import MODES, ModesConfig
from twin.traffic.module import with_bus_lanes
from twin.traffic.transit import generate_lines, headways_min


def test_logit_shares_match_a_hand_computed_case_and_sum_to_one():
    u = np.array([[0.0, 1.0], [-1.0, -np.inf], [np.log(2.0), 0.0], [-np.inf, -np.inf]])
    shares = logit_shares(u)
    e = np.exp([0.0, -1.0, np.log(2.0)])
    assert np.allclose(shares[:3, 0], e / e.sum())
    assert shares[3, 0] == 0.0 and shares[1, 1] == 0.0 and shares[3, 1] == 0.0
    assert np.allclose(shares[[0, 2], 1], [np.e / (np.e + 1.0), 1.0 / (np.e + 1.0)])
    assert np.allclose(shares.sum(axis=0), 1.0)
    assert np.array_equal(logit_shares(np.full((4, 1), -np.inf)), np.zeros((4, 1)))  # nothing available


def test_calibration_reproduces_the_target_shares():
    rng = np.random.default_rng(3)
    generalised = rng.uniform(5.0, 60.0, size=(4, 6, 6))
    generalised[1, 0, :] = np.inf  # no bus from zone 0
    trips = rng.uniform(10.0, 100.0, size=(6, 6))
    target = np.array([0.2, 0.08, 0.4, 0.32])
    constants = calibrate_constants(generalised, trips, target, 0.1, 1e-6)
    totals = mode_totals(logit_shares(utilities(constants, generalised, 0.1)), trips)
    assert constants[0] == 0.0
    assert np.allclose(totals / totals.sum(), target, rtol=1e-5)


@pytest.fixture(scope="module")
def supply(testville):
    """Testville's base supply, its free-flow car skim and person trips, and fitted constants."""
    net = testville.network
    origins, connectors = origin_sets(testville), connector_sets(testville, 6)
    lines = generate_lines(testville, 0, 500.0)
    cfg = ModesConfig(enabled=True)

    def build(**levers):
        closed = np.zeros(net.n_links, dtype=bool)
        return ModeSupply.build(testville, net, net.link_capacity_vph, closed, lines,
                                dataclasses.replace(cfg, **levers), origins, connectors)

    skim = zone_skim(net, net.free_flow_time_s, origins, connectors)
    jobs, population = testville.zones.jobs, testville.zones.population
    trips = cfg.person_trip_rate * population[:, None] * gravity_probabilities(jobs, skim, 0.08)
    base = build()
    constants = calibrate_constants(base.generalised_min(net, skim, net.free_flow_time_s), trips,
                                    np.array([cfg.base_shares[m] for m in MODES]), cfg.logit_per_min, 1e-6)
    return build, skim, trips, constants


def shares_of(testville, supply, skim=None, link_times=None, **levers):
    build, base_skim, trips, constants = supply
    net = testville.network
    generalised = build(**levers).generalised_min(net, base_skim if skim is None else skim,
                                                  net.free_flow_time_s if link_times is None else link_times)
    totals = mode_totals(logit_shares(utilities(constants, generalised, ModesConfig().logit_per_min)), trips)
    return dict(zip(MODES, totals / totals.sum(), strict=True))


def test_base_supply_gives_the_base_shares(testville, supply):
    assert np.allclose(list(shares_of(testville, supply).values()), [0.2, 0.08, 0.4, 0.32], rtol=1e-5)


def test_a_congested_car_skim_cuts_the_car_share(testville, supply):
    """A mode choice blind to congestion (car times from free flow) fails this."""
    _, skim, _, _ = supply
    congested = shares_of(testville, supply, skim=skim + 600.0)  # ten minutes of queueing on every trip
    assert congested["car"] < 0.2 * 0.85
    assert congested["bus"] > 0.08 and congested["ebike"] > 0.4 and congested["walk"] > 0.32


def test_parking_price_up_cuts_the_car_share(testville, supply):
    dearer = shares_of(testville, supply, parking_price_yuan=10.0)
    assert dearer["car"] < 0.2 * 0.8
    district = testville.districts.name[0]
    one_district = shares_of(testville, supply, parking_price_by_district={district: 10.0})
    assert dearer["car"] < one_district["car"] < 0.2


def test_more_frequent_buses_raise_the_bus_share(testville, supply):
    assert shares_of(testville, supply, bus_headway_factor=0.5)["bus"] > 0.08 * 1.1


def test_bus_lanes_raise_the_bus_share_and_take_a_car_lane(testville, supply):
    """Buses ride the bus lanes' twins at their own (here free-flow) times past congested links."""
    _, skim, trips, constants = supply
    roads = tuple(testville.network.road_names)
    net, twin_of = with_bus_lanes(testville.network, roads)
    lane = np.flatnonzero(twin_of >= 0)
    twin = twin_of[lane]
    assert lane.size
    origins, connectors = origin_sets(testville), connector_sets(testville, 6)
    city_links = pd.Index(net.link_id).get_indexer(testville.network.link_id)
    lines = generate_lines(testville, 0, 500.0).on(city_links)
    cfg = ModesConfig(enabled=True)
    slow = net.free_flow_time_s * 4.0  # congested roads: the bus lane lets buses pass the queues
    slow[twin] = net.free_flow_time_s[twin]  # the buses' remembered times on empty bus lanes

    def shares(twins, **levers):
        open_ = np.zeros(net.n_links, dtype=bool)
        built = ModeSupply.build(testville, net, net.link_capacity_vph, open_, lines,
                                 dataclasses.replace(cfg, **levers), origins, connectors, twins)
        generalised = built.generalised_min(net, skim, slow)
        totals = mode_totals(logit_shares(utilities(constants, generalised, cfg.logit_per_min)), trips)
        return built, dict(zip(MODES, totals / totals.sum(), strict=True))

    _, without = shares(None)
    built, with_lanes = shares(twin_of, bus_lanes=roads)
    assert with_lanes["bus"] > without["bus"] * 1.05
    assert with_lanes["car"] < without["car"]
    assert np.isin(twin, built.lines.link).any() and not np.isin(lane, built.lines.link).any()
    lanes = net.link_lanes[lane]
    assert np.allclose(built.car_capacity_vph[lane], net.link_capacity_vph[lane] * (lanes - 1) / lanes)
    assert np.allclose(net.link_capacity_vph[twin], net.link_capacity_vph[lane] / lanes)
    assert np.allclose(net.storage_veh[twin], net.storage_veh[lane] / lanes)


def test_ebike_lanes_raise_the_ebike_share(testville, supply):
    assert shares_of(testville, supply, ebike_lanes=("arterials",))["ebike"] > 0.4


def run_modes(city, seed=1, **modes):
    module = TrafficModule(parse(TrafficConfig, {"modes": {"enabled": True, **modes}}, source="test"))
    model = TwinModel(city, [module], seed=seed, period_days=1.0)
    model.step()
    return model, module


def test_module_with_modes_reports_shares_and_loads_the_car_share(testville):
    model, module = run_modes(testville)
    values = {ind.name: ind.value for _, ind in model.indicator_rows}
    shares = [values[f"{m}_share"] for m in MODES]
    assert np.allclose(shares, [20.0, 8.0, 40.0, 32.0], rtol=1e-3)  # the fitted (first recorded) day
    expected_cars = values["person_trips"] * 0.2 / 1.4
    assert values["completed_trips"] + values["unreachable_trips"] == pytest.approx(expected_cars, rel=0.25)
    assert values["bus_lines"] == 1
    assert "mode_daily" in module.timeseries()


def test_modes_are_deterministic(testville):
    a = run_modes(testville)[1]
    b = run_modes(testville)[1]
    assert a.modes.daily_frame().equals(b.modes.daily_frame())
    assert np.array_equal(a.capacity, b.capacity)


def _open_choice(city, cfg: ModesConfig):
    """A ModeChoice on ``city`` with every link open, and its free-flow zone skim (s)."""
    net = city.network
    origins, connectors = origin_sets(city), connector_sets(city, 6)
    closed = np.zeros(net.n_links, dtype=bool)
    choice = ModeChoice(city, net, np.arange(net.n_links), net.link_capacity_vph, closed, closed, cfg,
                        origins, connectors)
    return choice, zone_skim(net, net.free_flow_time_s, origins, connectors)


def test_mode_choice_object_fits_once_then_levers_move_the_shares(testville):
    net = testville.network
    cfg = ModesConfig(enabled=True, parking_price_yuan=12.0)
    choice, skim = _open_choice(testville, cfg)
    zones = testville.zones
    base_cars = choice.car_od(zones.population, zones.jobs, 0.08, skim, pre_policy=True).sum()
    assert choice.fitting
    choice.end_day(2025, 0, True, net.free_flow_time_s, 0.5)  # a recorded day ends: the fit is over
    fitted = choice.constants.copy()
    policy_cars = choice.car_od(zones.population, zones.jobs, 0.08, skim, pre_policy=False).sum()
    assert base_cars == pytest.approx(cfg.person_trip_rate * zones.population.sum() * 0.2 / 1.4, rel=1e-3)
    assert policy_cars < 0.85 * base_cars
    assert np.array_equal(choice.constants, fitted)


# --- bus lines named by roads, facilities and points; closures reroute them -----------------------

TEST_LINE = ("Old Town bus station 1", "Test Bridge", (1200.0, 300.0), "Link Road",
             "New Town train station 1")


def named(testville, via=TEST_LINE, headway=6.0, name="T"):
    from twin.city.seedfile import BusLineSpec
    from twin.traffic.transit import named_lines

    return named_lines(testville, (BusLineSpec(name=name, via=via, headway_min=headway),), 500.0, "key 'k'")


def test_a_named_line_drives_its_roads_end_to_end_both_ways_between_its_places(testville):
    net, fac = testville.network, testville.facilities
    lines = named(testville)
    assert lines.name == ("T",) and lines.n_runs == 2
    start = fac.node[fac.name.index("Old Town bus station 1")]
    end = fac.node[fac.name.index("New Town train station 1")]
    for run, (a, b) in enumerate(((start, end), (end, start))):
        links = lines.run_links(run)
        assert net.link_from[links[0]] == a and net.link_to[links[-1]] == b
        assert np.array_equal(net.link_from[links[1:]], net.link_to[links[:-1]])  # one connected path
        for road in ("Test Bridge", "Link Road"):  # every link of the road one way, in one stretch
            on = np.flatnonzero(net.link_road[links] == net.road_names.index(road))
            assert len(on) == len(net.links_of_road(road)) // 2 and np.all(np.diff(on) == 1)
    assert np.array_equal(headways_min(lines, 10.0, {}, 1.0), [6.0, 6.0])  # the line's own headway
    assert np.array_equal(headways_min(lines, 10.0, {"T": 4.0}, 0.5), [2.0, 2.0])  # the levers still act


def test_a_named_line_naming_an_unknown_road_is_one_line_naming_the_key(testville):
    from twin.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"^key 'k': bus line 'T': no road or facility named 'Atlantis "
                                            r"Avenue'; roads: Link Road, Test Bridge") as err:
        named(testville, via=("Test Bridge", "Atlantis Avenue"))
    assert "\n" not in str(err.value)


def test_a_closed_link_reroutes_the_line_instead_of_cutting_it(testville):
    """Buses detour over the open arterials and collectors between the stops around a closure;
    a model that cuts the line there (as before) loses every journey across it."""
    from twin.traffic.transit import transit_skim

    net = testville.network
    lines = named(testville)
    run = lines.run_links(0)
    closed = np.zeros(net.n_links, dtype=bool)
    candidates = [k for k in run if net.link_road[k] < 0 and net.link_class[k] >= 1]
    closed[candidates[len(candidates) // 2]] = True
    rerouted = lines.avoiding(net, closed)
    assert not closed[rerouted.link].any()
    assert np.array_equal(rerouted.stop_nodes(net), lines.stop_nodes(net))  # the same stops, in order
    for r in range(rerouted.n_runs):
        links = rerouted.run_links(r)
        assert np.array_equal(net.link_from[links[1:]], net.link_to[links[:-1]])
    assert lines.avoiding(net, np.zeros(net.n_links, dtype=bool)) is lines
    times = np.where(closed, np.inf, net.free_flow_time_s)
    headway = headways_min(lines, 10.0, {}, 1.0)
    zx, zy = np.asarray(testville.zones.x, float), np.asarray(testville.zones.y, float)

    def reachable(bus_lines):
        skim = transit_skim(net, bus_lines, times, headway, zx, zy, access_m=800.0, walk_kph=4.5, detour=1.3,
                            out_of_vehicle_weight=2.0, dwell_s=20.0, transfer_min=5.0)
        return np.isfinite(skim) & ~np.eye(len(zx), dtype=bool)

    cut, detoured = reachable(lines), reachable(rerouted)
    assert (detoured >= cut).all() and detoured.sum() > cut.sum()


def test_the_seed_and_scenario_lines_join_the_generated_ones(testville):
    import dataclasses as dc

    from twin.city.seedfile import BusLineSpec
    from twin.traffic.modes import city_lines

    seeded = dc.replace(testville, bus_lines=(BusLineSpec(name="S", via=TEST_LINE, headway_min=7.0),))
    lines = city_lines(seeded, ModesConfig(enabled=True))
    assert lines.name == ("B1", "S")
    assert np.array_equal(headways_min(lines, 10.0, {}, 1.0), [10.0, 10.0, 7.0, 7.0])
    extra = (BusLineSpec(name="X", via=TEST_LINE[::-1]),)  # the scenario's line, parsed from TOML-like lists
    module = TrafficModule(parse(TrafficConfig, {"modes": {"enabled": True, "named_lines": [
        {"name": "X", "via": [list(v) if isinstance(v, tuple) else v for v in TEST_LINE[::-1]]}]}},
        source="test"))
    model = TwinModel(seeded, [module], seed=1, period_days=1.0)
    model.step()
    assert module.modes.supply.lines.name == ("B1", "S", "X")
    assert module.modes.base.lines.name == ("B1", "S")  # a new line is a lever: not in the base
    assert module.config.modes.named_lines == extra
    clash = dc.replace(testville, bus_lines=(BusLineSpec(name="B1", via=TEST_LINE),))
    from twin.errors import ScenarioError

    with pytest.raises(ScenarioError, match="city testville: bus_lines: bus line name 'B1' is taken"):
        city_lines(clash, ModesConfig(enabled=True))


def test_a_city_folder_keeps_its_bus_lines(testville, tmp_path):
    import dataclasses as dc

    from twin.city.io.folder import load_city_folder, save_city_folder
    from twin.city.seedfile import BusLineSpec

    seeded = dc.replace(testville, bus_lines=(BusLineSpec(name="S", via=TEST_LINE, headway_min=7.0),))
    again = load_city_folder(save_city_folder(seeded, tmp_path / "city"))
    assert again.bus_lines == seeded.bus_lines


def test_door_to_door_minutes_are_the_survey_times_of_the_chosen_modes(testville):
    """Car door to door is the loaded car trip plus the parking search (a model reporting the
    in-vehicle time alone, as the traffic KPIs do, fails); the person trip time is the
    trip-weighted mean of the modes' door-to-door minutes, the cars' taken from the loading."""
    net = testville.network
    cfg = ModesConfig(enabled=True, parking_search_min=4.0)
    choice, skim = _open_choice(testville, cfg)
    zones = testville.zones
    cars = choice.car_od(zones.population, zones.jobs, 0.08, skim, pre_policy=True)
    choice.end_day(2025, 0, True, net.free_flow_time_s, 0.5)
    values = {ind.name: ind.value for ind in choice.indicators("traffic", 2025, 7.5)}
    assert values["car_door_to_door_time"] == pytest.approx(7.5 + 4.0)
    row = choice.daily_frame().iloc[0]
    trips = np.array([row[f"{m}_trips"] for m in MODES])
    minutes = np.array([row[f"{m}_min"] for m in MODES])
    assert minutes[0] == pytest.approx(float((cars * (skim / 60.0 + 4.0)).sum() / cars.sum()))  # expected
    assert minutes[3] > 0 and minutes[1] > minutes[0]  # walks and buses take time; buses wait and walk
    minutes[0] = 7.5 + 4.0
    assert values["person_trip_time"] == pytest.approx(float((trips * minutes).sum() / trips.sum()))
