"""Migration module: the yearly household step on the engine's clock, coupling and KPIs."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from twin.city import City
from twin.engine import Module, TwinModel
from twin.errors import TwinInputError
from twin.indicators import Indicator
from twin.migration.config import HOUSEHOLD_CATALOG, MigrationConfig
from twin.migration.households import create_households
from twin.migration.housing import HousingMarket
from twin.migration.mesa_view import AgentChoiceRule
from twin.migration.state import ChoiceRule, MigrationState, YearFlows, kernel_rule
from twin.migration.zone_attributes import ZoneAttributes, free_flow_skim, mean_commute_min, zone_attributes

LEVERS = ("subsidy", "amenity", "construction", "new_jobs")
SPREAD_LEVERS = ("construction", "new_jobs")
"""Levers whose district value is a total, spread over the district's zones by area."""


def lever_array(city: City, values: Mapping[str, float], lever: str) -> np.ndarray:
    """Per-zone values of a lever given by district or zone name (zone names win).

    Raises:
        TwinInputError: a name that is neither a district nor a zone (the message lists both).
    """
    zones, districts = city.zones, city.districts
    out = np.zeros(len(zones))
    for name, value in sorted(values.items(), key=lambda kv: kv[0] in zones.name):
        if name in zones.name:
            out[zones.index(name)] = value
        elif name in districts.name:
            members = zones.district == districts.index(name)
            share = zones.area_m2[members] / zones.area_m2[members].sum() if lever in SPREAD_LEVERS else 1.0
            out[members] = value * share
        else:
            known = list(districts.name) + list(zones.name)
            hint = difflib.get_close_matches(name, known, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise TwinInputError(
                f"key 'migration.{lever}.{name}': no district or zone named {name!r}{did}; "
                f"districts: {', '.join(districts.name)}; zones: {', '.join(zones.name)}"
            )
    return out


class MigrationModule(Module):
    """Households choose where to live each year; publishes zone_population and zone_jobs.

    Args:
        config: the validated [migration] section.
        choice_rule: how choosers pick zones; default: the agent class named by
            ``config.household_agent`` (with ``household_agent_options``), else the numba
            kernel. Pass :func:`twin.migration.mesa_view.agent_choice_rule` with your own
            :class:`~twin.migration.mesa_view.HouseholdAgent` subclass to change the behaviour
            in plain Python; a rule given no model is bound to the running TwinModel at setup.
    """

    name = "migration"
    domain = "migration"
    config_class = MigrationConfig

    def __init__(self, config: MigrationConfig, choice_rule: ChoiceRule | None = None) -> None:
        super().__init__(config)
        if choice_rule is None and config.household_agent:
            choice_rule = AgentChoiceRule(HOUSEHOLD_CATALOG.get(config.household_agent),
                                          **config.household_agent_options)
        self.choice_rule = kernel_rule if choice_rule is None else choice_rule

    def setup(self, model: TwinModel) -> None:
        city, c = model.city, self.config
        if isinstance(self.choice_rule, AgentChoiceRule) and self.choice_rule.model is None:
            self.choice_rule = self.choice_rule.bound(model)
        levers = {name: lever_array(city, getattr(c, name), name) for name in LEVERS}
        households = create_households(
            city.zones.name,
            city.zones.population,
            city.zones.dwellings,
            model.rng_for("migration/households"),
            mean_size=c.mean_household_size,
            income_shares=c.income_shares,
            age_shares=c.age_shares,
            skilled_share_by_income=c.skilled_share_by_income,
            owner_share_by_age=c.owner_share_by_age,
        )
        self.state = MigrationState(
            households, HousingMarket.from_dwellings(city.zones.dwellings), city.zones.jobs, c, levers
        )
        self.start_population = households.zone_population(len(city.zones))
        self._free_flow: np.ndarray | None = None
        self._zone_rows: list[pd.DataFrame] = []
        self._flow_rows: list[dict] = []
        self._region_rows: list[tuple[int, str, int, int]] = []
        self._year: dict = {}
        self._publish(model)

    def _publish(self, model: TwinModel) -> None:
        n = len(model.city.zones)
        model.published.publish(
            "zone_population", self.state.households.zone_population(n), "persons", self.name
        )
        model.published.publish("zone_jobs", self.state.jobs.copy(), "jobs", self.name)

    def skim(self, model: TwinModel) -> np.ndarray:
        """Zone travel times (s): traffic's published skim, else the free-flow skim (computed once)."""
        published = model.published.get("zone_travel_time_s", None)
        if published is not None:
            return published
        if self._free_flow is None:
            self._free_flow = free_flow_skim(model.city)
        return self._free_flow

    def start_year(self, model: TwinModel, year: int) -> None:
        city, c = model.city, self.config
        skim = self.skim(model)

        def attributes(jobs: np.ndarray) -> ZoneAttributes:
            return zone_attributes(city, skim, jobs, c.commute_threshold_min, c.service_threshold_min)

        if c.zone_constants == "calibrated" and self.state.calibration is None:
            self.state.calibrate(attributes(self.state.jobs))
        key = model.seed_sequence("migration/households", year).generate_state(1, np.uint64)[0]
        rng = model.rng_for("migration/flows", year)
        flows = self.state.advance(key, rng, attributes, rule=self.choice_rule)
        self._publish(model)
        self._record(model, year, flows, skim)

    def _record(self, model: TwinModel, year: int, flows: YearFlows, skim: np.ndarray) -> None:
        city, state = model.city, self.state
        n = len(city.zones)
        population = state.households.zone_population(n)
        households = state.households.zone_households(n)
        district_names = np.asarray(city.districts.name)[city.zones.district]
        self._zone_rows.append(
            pd.DataFrame(
                {
                    "year": np.full(n, year, dtype=np.int64),
                    "zone": np.arange(n, dtype=np.int64),
                    "district": district_names,
                    "population": population.astype(np.int64),
                    "households": households,
                    "movers_in": flows.moved_in_by_zone,
                    "dwellings": state.market.dwellings.copy(),
                    "jobs": state.jobs.copy(),
                    "price": state.market.price,
                }
            )
        )
        self._flow_rows.append(
            {"year": year, **{k: v for k, v in vars(flows).items() if not k.endswith(("region", "_zone"))}}
        )
        for region in state.regions:
            self._region_rows.append(
                (year, region, flows.inflow_by_region[region], flows.outflow_by_region[region])
            )
        self._year = {
            "flows": flows,
            "population": population,
            "households": households,
            "commute_min": mean_commute_min(skim, population, state.jobs, self.config.commute_decay_min),
        }

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        if not self._year:
            return []
        city, state, d = model.city, self.state, self.domain
        flows: YearFlows = self._year["flows"]
        population = self._year["population"]
        total = max(float(population.sum()), 1.0)
        out = [
            Indicator(d, "population", total, "persons", description="residents at the end of the year"),
            Indicator(
                d,
                "net_migration",
                float(flows.inflow - flows.outflow),
                "persons",
                description="in-migrants minus out-migrants",
            ),
            Indicator(
                d,
                "net_migration_rate",
                1000.0 * (flows.inflow - flows.outflow) / max(flows.start, 1),
                "per 1000",
                "higher",
                (-20.0, 20.0),
                "net migration per 1000 residents",
            ),
            Indicator(
                d,
                "skilled_inflow",
                float(flows.skilled_inflow),
                "persons",
                description="persons arriving in skilled households",
            ),
            Indicator(
                d,
                "skilled_inflow_rate",
                1000.0 * flows.skilled_inflow / max(flows.start, 1),
                "per 1000",
                "higher",
                (0.0, 10.0),
                "skilled in-migrants per 1000 residents",
            ),
            Indicator(
                d,
                "mean_commute_min",
                self._year["commute_min"],
                "min",
                "lower",
                (45.0, 10.0),
                "mean commute, workers spread over jobs by a gravity model",
            ),
            Indicator(
                d,
                "vacancy_rate",
                100.0 * float(state.vacancy().sum()) / max(state.market.dwellings.sum(), 1),
                "%",
                "lower",
                (30.0, 5.0),
                "vacant share of dwellings",
            ),
            Indicator(
                d,
                "price_index",
                state.market.price_index(),
                "index",
                "lower",
                (150.0, 100.0),
                "dwelling-weighted housing price, first year = 100",
            ),
        ]
        workers = population * self.config.labour_force_share
        jobs_by, workers_by = np.zeros(len(city.districts)), np.zeros(len(city.districts))
        np.add.at(jobs_by, city.zones.district, state.jobs)
        np.add.at(workers_by, city.zones.district, workers)
        for i, name in enumerate(city.districts.name):
            out.append(
                Indicator(
                    d,
                    f"jobs_housing_ratio_{name}",
                    float(jobs_by[i] / max(workers_by[i], 1.0)),
                    "jobs/worker",
                    description=f"jobs per resident worker in {name}",
                )
            )
        mismatch = 50.0 * float(
            np.abs(jobs_by / max(jobs_by.sum(), 1) - workers_by / max(workers_by.sum(), 1)).sum()
        )
        out.append(
            Indicator(
                d,
                "jobs_housing_mismatch",
                mismatch,
                "%",
                "lower",
                (40.0, 0.0),
                "share of workers who must commute across districts at the least",
            )
        )
        growth = [i for i, kind in enumerate(city.districts.kind) if kind == "growth"]
        in_growth = 0.0
        for i in growth:
            name = city.districts.name[i]
            people = float(population[city.zones.district == i].sum())
            in_growth += people
            out.append(
                Indicator(
                    d,
                    f"population_{name}",
                    people,
                    "persons",
                    description=f"residents of the new district {name}",
                )
            )
            out.append(
                Indicator(
                    d,
                    f"share_{name}",
                    100.0 * people / total,
                    "%",
                    "higher",
                    (0.0, 30.0),
                    f"share of residents living in {name}",
                )
            )
        if growth:
            out.append(
                Indicator(
                    d,
                    "new_district_share",
                    100.0 * in_growth / total,
                    "%",
                    "higher",
                    (0.0, 40.0),
                    "share of residents in the new (growth) districts",
                )
            )
        return out

    def timeseries(self) -> dict[str, pd.DataFrame]:
        if not self._zone_rows:
            return {}
        zones = pd.concat(self._zone_rows, ignore_index=True)
        return {
            "zone_population": zones[["year", "zone", "district", "population", "households", "movers_in"]],
            "zone_housing": zones[["year", "zone", "dwellings", "jobs", "price"]],
            "migration_flows": pd.DataFrame(self._flow_rows),
            "migration_regions": pd.DataFrame(
                self._region_rows, columns=["year", "region", "inflow_households", "outflow_households"]
            ),
        }

    def snapshot(self) -> dict[str, pd.DataFrame]:
        if not hasattr(self, "state"):
            return {}
        end = self.state.households.zone_population(self.start_population.size)
        tables = {
            "zone_population_change": pd.DataFrame(
                {
                    "zone": np.arange(end.size, dtype=np.int64),
                    "start": self.start_population.astype(np.int64),
                    "end": end.astype(np.int64),
                    "change": (end - self.start_population).astype(np.int64),
                }
            )
        }
        if self.state.calibration:
            tables["zone_constants"] = pd.DataFrame(
                {"zone": np.arange(end.size, dtype=np.int64)}
                | {f"constant_{segment}": fit.constant for segment, fit in self.state.calibration.items()}
                | {f"share_{segment}": fit.target_share for segment, fit in self.state.calibration.items()}
            )
        return tables
