"""The extension APIs (issue 20 items 2, 3 and 5): policies and agent classes chosen by registered
name with their options, the emergency policy API (period hook, ``recheck_at``, ``busy_until_s``
and the unit's current job), and migration's Mesa door bound to the running model.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from twin import plugins
from twin.config import parse
from twin.emergency import EmergencyConfig, EmergencyModule, NearestAvailable, Unit
from twin.emergency.centre import Call
from twin.emergency.config import POLICY_CATALOG, UNIT_CATALOG, register_policy, register_unit_class
from twin.emergency.dispatch import DispatchPolicy
from twin.engine import TwinModel
from twin.errors import ScenarioError, TwinInputError
from twin.migration import MigrationConfig, MigrationModule
from twin.migration.config import HOUSEHOLD_CATALOG, register_household_agent
from twin.migration.mesa_view import HouseholdAgent
from twin.waste import WasteConfig, WasteModule
from twin.waste.config import TRUCK_CATALOG, register_truck_class
from twin.waste.fleet import Truck

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_catalogs():
    """Registrations made by a test are gone after it (the catalogs are process-wide); the example
    plug-in is loaded first, so its registrations (made once per process) stay."""
    plugins.load(["citytwin_air"])
    catalogs = (POLICY_CATALOG, UNIT_CATALOG, TRUCK_CATALOG, HOUSEHOLD_CATALOG)
    saved = [dict(c._entries) for c in catalogs]
    yield
    for catalog, entries in zip(catalogs, saved, strict=True):
        catalog._entries.clear()
        catalog._entries.update(entries)


@pytest.fixture
def look_ahead():
    """The example plug-in's look-ahead policy (examples/citytwin-air, installed with the test
    extras): loading the plug-in registers it by name, and the catalog imports it on first use."""
    return POLICY_CATALOG.get("look_ahead")


def emergency(**data) -> EmergencyConfig:
    return parse(EmergencyConfig, data, source="test.toml", key="emergency")


# -- registration and validation -----------------------------------------------------------------
class Counting(DispatchPolicy):
    """Nearest available that records each period's start (the environment it was given)."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.periods: list[simpy.Environment] = []

    def start_period(self, centre):
        self.periods.append(centre.env)

    def choose(self, centre, call, kind, candidates):
        return NearestAvailable().choose(centre, call, kind, candidates)


def test_a_registered_policy_is_built_from_its_options(testville):
    register_policy("counting", Counting)
    cfg = emergency(policy="counting", policy_options={"label": "x"}, rate_scale=5.0)
    module = EmergencyModule(cfg)
    assert isinstance(module.policy, Counting) and module.policy.label == "x"
    model = TwinModel(testville, [module], seed=1, horizon_years=2, period_days=0.05)
    envs = []
    for _ in range(2):
        model.step()
        envs.append(model.env)
    assert module.policy.periods == envs  # once per period, with that period's new environment


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"policy": "counting2"},
         "key 'emergency.policy': 'counting2' is not allowed (did you mean 'counting'?);"
         " allowed: nearest_available, closest_station, tiered, "),
        ({"policy": "counting2"}, "counting (a plug-in adds one with twin.emergency.register_policy)"),
        ({"policy": "counting", "policy_options": {"lable": "x"}},
         "policy_options.lable is not an option of dispatch policy 'counting'; allowed: label"),
        ({"policy": "tiered", "policy_options": {"label": "x"}}, "the built-in policy 'tiered' takes none"),
        ({"unit_class": "counting"}, "key 'emergency.unit_class': 'counting' is not allowed"),
        ({"unit_options": {"kind": "x"}}, "unit_options.kind is not an option of unit class 'unit'"),
    ],
)
def test_unknown_names_and_options_are_one_line(data, needle):
    register_policy("counting", Counting)
    with pytest.raises(ScenarioError) as err:
        emergency(**data)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_registration_refuses_built_in_and_taken_names_and_non_subclasses():
    register_policy("counting", Counting)
    register_policy("counting", Counting)  # again: nothing happens
    with pytest.raises(TwinInputError, match="register_policy: dispatch policy 'counting' is already"):
        register_policy("counting", HoldUntil)
    with pytest.raises(TwinInputError, match="register_policy: 'tiered' is a built-in dispatch policy"):
        register_policy("tiered", Counting)
    with pytest.raises(TwinInputError, match="register_unit_class: unit class 'car' must be a subclass"):
        register_unit_class("car", Counting)
    with pytest.raises(TwinInputError, match="subclass of Truck"):
        register_truck_class("lorry", Unit)
    with pytest.raises(TwinInputError, match="expected 'package.module:Name'"):
        register_household_agent("lazy", "mypkg.households.Lazy")


# -- agent classes -------------------------------------------------------------------------------
class SlowCrew(Unit):
    """A unit whose crew takes ``extra_s`` longer to reach any scene."""

    def __init__(self, model, *, extra_s: float = 0.0, **kwargs) -> None:
        super().__init__(model, **kwargs)
        self.extra_s = extra_s

    def eta_s(self, centre, node):
        return super().eta_s(centre, node) + self.extra_s


def test_the_unit_class_is_the_registered_subclass_with_its_options(testville):
    register_unit_class("slow_crew", SlowCrew)
    cfg = emergency(unit_class="slow_crew", unit_options={"extra_s": 30.0}, rate_scale=0.0)
    module = EmergencyModule(cfg)
    TwinModel(testville, [module], seed=1, period_days=0.01).setup()
    assert module.units and all(type(u) is SlowCrew and u.extra_s == 30.0 for u in module.units)


class CountingTruck(Truck):
    """A truck that counts its shifts, labelled by ``crew``."""

    def __init__(self, *args, crew: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.crew = crew
        self.shifts = 0

    def work_shift(self, *args, **kwargs):
        self.shifts += 1
        return (yield from super().work_shift(*args, **kwargs))


def test_the_truck_class_is_the_registered_subclass_and_changes_nothing_else(testville):
    register_truck_class("counting", CountingTruck)
    base = {"policy": "sensor", "shift_start_h": 1.0, "route_iterations": 5}
    results = []
    for extra in ({}, {"truck_class": "counting", "truck_options": {"crew": "night"}}):
        module = WasteModule(parse(WasteConfig, {**base, **extra}, source="test.toml", key="waste"))
        model = TwinModel(testville, [module], seed=2, period_days=0.2)
        model.step()
        results.append((module, module.daily_frame()))
    (plain, plain_daily), (counted, counted_daily) = results
    assert all(type(t) is CountingTruck and t.crew == "night" for t in counted.fleet)
    assert sum(t.shifts for t in counted.fleet) > 0
    assert plain_daily.equals(counted_daily)  # same draws, same routes: only the class differs


# -- the emergency policy API --------------------------------------------------------------------
def _manual(testville, cfg, n_calls):
    """The module set up on testville with the centre's period started by hand on free-flow trees."""
    module = EmergencyModule(cfg)
    model = TwinModel(testville, [module], seed=1, horizon_years=1, period_days=1.0)
    model.setup()
    module.start_year(model, model.start_year)
    model.env = simpy.Environment()
    module.centre.start_period(model.env, n_calls)
    module.policy.start_period(module.centre)
    module.travel.update(testville.network.free_flow_time_s / cfg.speed_factor)
    return module, model


class HoldUntil(DispatchPolicy):
    """Sends nothing before ``until_s``, asking the centre to look again then."""

    def __init__(self, until_s: float = 0.0) -> None:
        self.until_s = until_s

    def choose(self, centre, call, kind, candidates):
        if centre.env.now < self.until_s:
            centre.recheck_at(self.until_s)
            return None
        return NearestAvailable().choose(centre, call, kind, candidates)


def test_recheck_at_walks_the_queue_when_nothing_else_happens(testville):
    register_policy("hold", HoldUntil)
    cfg = emergency(policy="hold", policy_options={"until_s": 500.0}, rate_scale=0.0, turnout_cv=0.0)
    module, model = _manual(testville, cfg, 1)
    module.centre.receive(Call(0, 1, 0.0, 40, ["ambulance"], 60.0, False))
    model.env.run(until=3600.0)
    assert module.centre.first_dispatch_s[0] == 500.0  # no call, no release: only the re-check
    with pytest.raises(ValueError, match="after now"):
        module.centre.recheck_at(model.env.now)


def test_a_unit_shows_its_job_and_when_it_is_free(testville):
    cfg = emergency(rate_scale=0.0, turnout_cv=0.0, handover_min=10.0)
    module, model = _manual(testville, cfg, 1)
    far = int(np.argmax(testville.network.node_y))
    call = Call(0, 1, 0.0, far, ["ambulance"], 600.0, True)
    module.centre.receive(call)
    unit = module.centre.unit_list[module.centre.dispatch_unit[0]]
    assert unit.call is call and unit.busy_until_s > 600.0
    expected = unit.busy_until_s
    while unit.call is not None:
        model.env.step()
    assert unit.state == "returning" and model.env.now == pytest.approx(expected)  # the estimate held
    assert unit.busy_until_s == model.env.now


def test_look_ahead_waits_for_the_busy_unit_next_door(testville, look_ahead):
    """One ambulance at the Old Town base, one at an east station 3 km away. A first call at the
    base takes the base's ambulance for a minute on scene; a second call next door comes ten
    seconds later. Nearest-available sends the east ambulance across town; the look-ahead waits
    for the base's ambulance, is re-asked at its release, and the patient is reached sooner."""
    net = testville.network
    base = int(testville.facilities.node[testville.facilities.of_kind("ems_base")][0])
    east = {"name": "east", "unit_kind": "ambulance", "x": float(net.node_x.max()), "y": 0.0, "units": 1}
    fleets = {"ambulance": 1, "fire_engine": 1, "police_car": 1, "utility_crew": 1}
    door = int(net.link_to[net.out_start[base]])  # a neighbour of the base
    outcome = {}
    for policy in ("nearest_available", "look_ahead"):
        cfg = emergency(policy=policy, rate_scale=0.0, turnout_cv=0.0, units_per_station=fleets,
                        standby_per_station={}, stations=[east])
        module, model = _manual(testville, cfg, 2)
        centre = module.centre
        centre.receive(Call(0, 1, 0.0, base, ["ambulance"], 60.0, False))
        model.env.run(until=10.0)
        centre.receive(Call(1, 1, 10.0, door, ["ambulance"], 60.0, False))
        model.env.run(until=3600.0)
        sent = [centre.unit_list[u].station.name for u in centre.dispatch_unit]
        outcome[policy] = (sent, centre.first_dispatch_s[1], centre.first_arrival_s[1], module.policy)
    nearest, ahead = outcome["nearest_available"], outcome["look_ahead"]
    base_name = testville.facilities.name[testville.facilities.of_kind("ems_base")[0]]
    assert nearest[0] == [base_name, "east"] and nearest[1] == 10.0
    assert ahead[0] == [base_name, base_name] and ahead[3].waits >= 1
    assert ahead[1] > 10.0  # sent at the base ambulance's release, not at the call
    assert ahead[2] < nearest[2]  # and still there sooner than the ambulance from across town


# -- migration's Mesa door -----------------------------------------------------------------------
class Watchful(HouseholdAgent):
    """The kernel's rule, with a taste for ``bonus`` extra utils in zone ``favourite``; notes
    the model it lives on and the population it reads there."""

    seen: list = []

    def __init__(self, *args, favourite: int = 0, bonus: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.favourite = favourite
        self.bonus = bonus
        Watchful.seen.append((self.model, self.model.published.get("zone_population")))

    def utilities(self):
        values = super().utilities()
        values[self.favourite] += self.bonus
        return values


def _migrate(testville, **data):
    module = MigrationModule(parse(MigrationConfig, data, source="test.toml", key="migration"))
    model = TwinModel(testville, [module], seed=4, horizon_years=1, period_days=0.01)
    model.step()
    return module, model


def test_household_agents_live_on_the_running_model_and_take_parameters(testville):
    register_household_agent("watchful", Watchful)
    Watchful.seen = []
    kernel, _ = _migrate(testville)
    base, _ = _migrate(testville, household_agent="household")
    np.testing.assert_array_equal(kernel.state.households.zone, base.state.households.zone)
    zones = testville.zones
    favourite = int(np.argmax(zones.dwellings - zones.population / 2.0))  # room to move in
    module, model = _migrate(testville, household_agent="watchful",
                             household_agent_options={"favourite": favourite, "bonus": 5.0})
    assert Watchful.seen and all(host is model for host, _ in Watchful.seen)  # the twin, not a throwaway
    assert all(pop is not None for _, pop in Watchful.seen)  # its published state, readable
    moved_in = np.bincount(module.state.households.zone, minlength=len(zones))[favourite]
    kernel_in = np.bincount(kernel.state.households.zone, minlength=len(zones))[favourite]
    assert moved_in > kernel_in  # the parameter reached the agents
    assert len(model.agents) == len(model.agents.select(lambda a: not isinstance(a, HouseholdAgent)))


def test_household_agent_options_are_checked():
    register_household_agent("watchful", Watchful)
    when = {"household_agent": "watchful", "household_agent_options": {"bonus": datetime.date(2025, 1, 1)}}
    with pytest.raises(ScenarioError, match="household_agent_options.bonus: date .* is not allowed"):
        parse(MigrationConfig, when, source="t.toml", key="migration")
    with pytest.raises(ScenarioError, match="'watchfull' is not a registered household agent class"):
        parse(MigrationConfig, {"household_agent": "watchfull"}, source="t.toml", key="migration")
    with pytest.raises(ScenarioError, match="name a household_agent"):
        parse(MigrationConfig, {"household_agent_options": {"bonus": 1}}, source="t.toml", key="migration")


def test_the_example_clean_air_households_avoid_the_polluted_zone(testville):
    """The example plug-in's agent subclass: with the zone of most room to move in polluted (as
    the air module would publish it), fewer households live there than under the kernel."""
    zones = testville.zones
    dirty = int(np.argmax(zones.dwellings - zones.population / 2.0))
    level = np.full(len(zones), 20.0)
    level[dirty] = 200.0
    counts = []
    for data in ({}, {"household_agent": "clean_air", "household_agent_options": {"weight": 2.0}}):
        module = MigrationModule(parse(MigrationConfig, data, source="test.toml", key="migration"))
        model = TwinModel(testville, [module], seed=4, horizon_years=1, period_days=0.01)
        model.setup()
        model.published.publish("zone_nox_ugm3", level, "µg/m³", "air")
        model.step()
        counts.append(np.bincount(module.state.households.zone, minlength=len(zones))[dirty])
    assert counts[1] < counts[0]


def test_the_example_policy_and_households_run_and_sweep_with_the_stock_cli(tmp_path, capsys):
    """examples/citytwin-air/scenarios/testville_air_agents.toml names the plug-in's look-ahead
    policy and clean-air households: ``twin sweep`` on a 2-worker local Dask cluster (separate
    processes, which load the plug-in from the scenario) runs it with the policy's option swept."""
    from twin.cli import main

    base = ROOT / "examples" / "citytwin-air" / "scenarios" / "testville_air_agents.toml"
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'[sweep]\nname = "agents"\nbase = "{base}"\ndesign = "full_factorial"\nlevels = 2\n'
                     'replicates = 1\n[[levers]]\nkey = "emergency.policy_options.margin_s"\n'
                     'low = 0.0\nhigh = 600.0\n')
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--workers", "2", "--quiet"]) == 0
    assert "2 runs (0 failed)" in capsys.readouterr().out
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    calls = results[(results.indicator == "calls") & (results.year == 2026)]
    assert sorted(calls["emergency.policy_options.margin_s"]) == [0.0, 600.0] and (calls.value > 0).all()
    assert {"migration", "environment"} <= set(results.domain)
