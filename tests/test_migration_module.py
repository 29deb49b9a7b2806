"""The migration module on the test city: conservation, capacity, coupling, levers, determinism."""

from __future__ import annotations

import numpy as np

from twin.config import parse
from twin.engine import TwinModel
from twin.migration import MigrationConfig, MigrationModule, create_households
from twin.migration.mesa_view import HouseholdAgent, agent_choice_rule, sample_households


def _config(**values) -> MigrationConfig:
    return parse(MigrationConfig, values, source="<test>", key="migration")


def _model(city, config, years=3, rule=None, seed=7):
    module = MigrationModule(config) if rule is None else MigrationModule(config, choice_rule=rule)
    return module, TwinModel(city, [module], seed=seed, horizon_years=years, period_days=0.001)


def test_households_reproduce_zone_populations_within_dwellings(testville):
    zones = testville.zones
    hh = create_households(
        zones.name,
        zones.population,
        zones.dwellings,
        np.random.default_rng(0),
        mean_size=2.6,
        income_shares=(0.3, 0.5, 0.2),
        age_shares=(0.25, 0.3, 0.27, 0.18),
        skilled_share_by_income=(0.05, 0.2, 0.5),
        owner_share_by_age=(0.3, 0.6, 0.75, 0.8),
    )
    np.testing.assert_array_equal(hh.zone_population(len(zones)), zones.population)
    assert (hh.zone_households(len(zones)) <= zones.dwellings).all()
    assert hh.size.min() >= 1 and hh.size.max() <= 8
    assert np.unique(hh.id).size == len(hh)


def test_population_conserved_and_capacity_respected_every_year(testville):
    config = _config(
        in_rate=0.05,
        talent_rate=0.01,
        formation_rate=0.05,
        construction={"new_town": 150.0},
        new_jobs={"new_town": 300.0},
    )
    module, model = _model(testville, config, years=4)
    for _ in range(4):
        model.step()
        state = module.state
        assert (state.households.zone_households(len(testville.zones)) <= state.market.dwellings).all()
        published = model.published.get("zone_population")
        assert published.sum() == state.households.population
        np.testing.assert_array_equal(model.published.get("zone_jobs"), state.jobs)
    flows = module.timeseries()["migration_flows"]
    assert (
        flows["end"]
        == flows["start"] + flows["inflow"] - flows["outflow"] + flows["births"] - flows["deaths"]
    ).all()
    assert (flows["start"].iloc[1:].to_numpy() == flows["end"].iloc[:-1].to_numpy()).all()
    assert (flows[["births", "deaths", "inflow", "outflow", "movers_households"]] > 0).all().all()
    change = module.snapshot()["zone_population_change"]
    assert change["end"].sum() == flows["end"].iloc[-1]
    assert (change["change"] == change["end"] - change["start"]).all()


def test_construction_lever_adds_dwellings_only_in_its_district(testville):
    config = _config(construction={"new_town": 100.0}, construction_years=2)
    module, model = _model(testville, config)
    model.run_years()
    housing = module.timeseries()["zone_housing"]
    built = housing.groupby("zone")["dwellings"].max() - testville.zones.dwellings
    new_town = testville.zones.district == testville.districts.index("new_town")
    assert built[new_town].sum() == 200
    assert built[~new_town].sum() == 0


def test_talent_policy_raises_skilled_inflow(testville):
    def skilled(policy):
        module, model = _model(testville, _config(talent_rate=0.01, talent_policy=policy))
        model.run_years()
        return module.timeseries()["migration_flows"]["skilled_inflow"].sum()

    assert skilled(3.0) > 1.5 * skilled(0.0)


def test_subsidy_changes_only_choices_towards_the_subsidised_zone(testville):
    """Common random numbers in the whole module: ample dwellings, fixed prices, one zone subsidised."""
    everywhere = {name: 5000.0 for name in testville.zones.name}
    common = dict(
        construction=everywhere,
        price_adjustment=0.0,
        price_level_elasticity=0.0,
        in_rate=0.0,
        talent_rate=0.0,
        formation_rate=0.0,
    )
    k = testville.zones.name[3]
    base_module, base = _model(testville, _config(**common), years=1)
    policy_module, policy = _model(testville, _config(**common, subsidy={k: 0.5}), years=1)
    base.step()
    policy.step()
    a, b = base_module.state.households, policy_module.state.households
    np.testing.assert_array_equal(a.id, b.id)
    changed = a.zone != b.zone
    assert changed.any()
    assert (b.zone[changed] == 3).all()
    assert (b.zone[a.zone == 3] == 3).all()


def test_same_seed_same_tables_and_mesa_rule_gives_same_result(testville):
    config = _config()
    first, m1 = _model(testville, config)
    second, m2 = _model(testville, config)
    agents, m3 = _model(testville, config, rule=agent_choice_rule(HouseholdAgent))
    for model in (m1, m2, m3):
        model.run_years()
    for name, frame in first.timeseries().items():
        assert frame.equals(second.timeseries()[name]), name
        assert frame.equals(agents.timeseries()[name]), name


def test_custom_household_rule_changes_behaviour(testville):
    new_town = testville.zones.district == testville.districts.index("new_town")

    class Pioneer(HouseholdAgent):
        def utilities(self):
            values = super().utilities()
            values[new_town] += 3.0
            return values

    base, m1 = _model(testville, _config(), years=2)
    custom, m2 = _model(testville, _config(), years=2, rule=agent_choice_rule(Pioneer))
    m1.run_years()
    m2.run_years()
    share = [
        module.state.households.zone_population(new_town.size)[new_town].sum() for module in (base, custom)
    ]
    assert share[1] > share[0]


def test_sample_households_is_a_mesa_agentset(testville):
    module, model = _model(testville, _config(), years=1)
    model.setup()
    sample = sample_households(model, module.state.households, 50, np.random.default_rng(1))
    assert len(sample) == 50
    assert all(agent.size >= 1 for agent in sample)
    assert len(sample.select(lambda a: a.family == 1)) == sum(a.size >= 3 for a in sample)


def test_indicators_and_run_folder_tables(quick_scenario, tmp_path):
    from twin import run

    result = run(quick_scenario, tmp_path / "run", picture=False)
    migration = result.indicators[result.indicators.domain == "migration"]
    names = set(migration.indicator)
    for name in (
        "population",
        "share_new_town",
        "new_district_share",
        "jobs_housing_ratio_old_town",
        "jobs_housing_mismatch",
        "mean_commute_min",
        "net_migration",
        "skilled_inflow",
        "vacancy_rate",
        "price_index",
    ):
        assert name in names
    assert sorted(migration.year.unique()) == [2025, 2026]
    zone_population = result.timeseries["zone_population"]
    assert list(zone_population.columns) == ["year", "zone", "district", "population", "households",
                                             "movers_in"]
    flows = result.timeseries["migration_flows"]
    moved_in = zone_population.groupby("year").movers_in.sum().to_numpy()
    # movers between zones, new households and newcomers housed: at least the movers and the formed
    assert (moved_in >= (flows.movers_households + flows.formed_households).to_numpy()).all()
    assert (moved_in <= (flows.movers_households + flows.formed_households + flows.inflow).to_numpy()).all()
    assert list(result.state["zone_population_change"].columns) == ["zone", "start", "end", "change"]
    assert list(result.state["zone_constants"].columns) == [
        "zone", "constant_single", "constant_family", "share_single", "share_family"
    ]
    assert "migration" in set(
        result.indicators[result.indicators.domain == "governance"].indicator.str.replace("score_", "")
    )


def test_published_skim_drives_commute_and_jobs_within_reach(testville):
    """When traffic publishes a zone skim, migration uses it: slower roads, longer commutes."""
    commutes = []
    for scale in (1.0, 3.0):
        module, model = _model(testville, _config(), years=1)
        model.setup()
        model.published.publish("zone_travel_time_s", module.skim(model) * scale, "s", "traffic")
        assert module.skim(model) is model.published.get("zone_travel_time_s")
        model.step()
        commutes.append([ind.value for _, ind in model.indicator_rows if ind.name == "mean_commute_min"][0])
    assert commutes[1] > 2.0 * commutes[0] > 0
