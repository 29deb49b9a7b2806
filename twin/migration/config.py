"""The [migration] scenario section: household make-up, behaviour, flows, market and policy levers.

Age-band tuples follow the head of household: under 35, 35-49, 50-64, 65 and over. Income
tuples: low, middle, high. Levers map a district or zone name to a value; names are checked
against the city when the module is set up (the error lists the districts and zones).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from twin.catalog import Catalog
from twin.config import frozen_mapping, option

HOUSEHOLD_CATALOG = Catalog(
    "household agent class", {"household": "twin.migration.mesa_view:HouseholdAgent"},
    "twin.migration.register_household_agent", base="twin.migration.mesa_view:HouseholdAgent",
)
"""Household agent classes ``[migration] household_agent`` may name (subclasses of
:class:`~twin.migration.mesa_view.HouseholdAgent`)."""

AGENT_ARGUMENTS = ("model", "household_id", "zone", "problem", "income", "skilled", "family", "row")
"""Arguments every choosing agent gets from the choice rule (parameters may not use these names)."""


def register_household_agent(name: str, cls: type) -> None:
    """Make ``cls``, a subclass of :class:`~twin.migration.mesa_view.HouseholdAgent`, choose
    where households live when ``[migration] household_agent = "name"``; the table
    ``[migration.household_agent_options]`` is passed to every agent as keyword arguments.
    Call it at import time of a plug-in."""
    HOUSEHOLD_CATALOG.register(name, cls)

DEFAULT_REGIONS = {
    # population (millions), road distance from Hezhou (km): public round figures
    "greater_bay_area": (86.0, 350.0),
    "wuzhou": (2.8, 110.0),
    "guilin": (4.9, 190.0),
    "yongzhou": (5.2, 220.0),
    "nanning": (8.9, 420.0),
    "rest_of_china": (1300.0, 1200.0),
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class MigrationConfig:
    # households
    mean_household_size: float = option(
        2.6, ge=1, le=6, unit="persons", doc="mean size when splitting zone populations into households"
    )
    income_shares: tuple[float, ...] = option(
        (0.3, 0.5, 0.2), ge=0, le=1, doc="share of households per income band (sum to 1)"
    )
    age_shares: tuple[float, ...] = option(
        (0.25, 0.3, 0.27, 0.18), ge=0, le=1, doc="share of households per age band of the head (sum to 1)"
    )
    skilled_share_by_income: tuple[float, ...] = option(
        (0.05, 0.2, 0.5), ge=0, le=1, doc="probability a household has a skilled worker, by income band"
    )
    owner_share_by_age: tuple[float, ...] = option(
        (0.3, 0.6, 0.75, 0.8), ge=0, le=1, doc="probability of owning the dwelling, by age band"
    )
    # who considers moving, vital events
    move_rate_by_age: tuple[float, ...] = option(
        (0.15, 0.08, 0.05, 0.03),
        ge=0,
        le=1,
        unit="1/year",
        doc="probability of considering a move, by age band",
    )
    owner_move_factor: float = option(0.5, ge=0, le=1, doc="owners' move probability relative to renters'")
    recent_move_factor: float = option(
        1.5, ge=0, le=5, doc="multiplier for households in place for under 2 years"
    )
    long_stay_years: int = option(10, ge=1, le=100, unit="years",
                                  doc="years in place after which moves are rarer")
    long_stay_factor: float = option(0.5, ge=0, le=1, doc="multiplier after long_stay_years in place")
    birth_rate_by_age: tuple[float, ...] = option(
        (0.05, 0.03, 0.004, 0.0),
        ge=0,
        le=1,
        unit="1/year",
        doc="probability of a birth per household, by age band",
    )
    death_rate_by_age: tuple[float, ...] = option(
        (0.001, 0.002, 0.006, 0.035),
        ge=0,
        le=1,
        unit="1/year",
        doc="probability of death per person, by age band",
    )
    formation_rate: float = option(
        0.02, ge=0, le=1, unit="1/year", doc="probability a household of 3+ splits off a one-person household"
    )
    ageing_rate: float = option(
        1 / 15, ge=0, le=1, unit="1/year", doc="probability a head moves up an age band in a year"
    )
    # flows with other regions
    out_rate_by_age: tuple[float, ...] = option(
        (0.03, 0.015, 0.008, 0.004),
        ge=0,
        le=1,
        unit="1/year",
        doc="probability a household leaves the city, by age band",
    )
    in_rate: float = option(
        0.02, ge=0, le=1, unit="1/year", doc="general in-migrant households per resident household"
    )
    talent_rate: float = option(
        0.002,
        ge=0,
        le=1,
        unit="1/year",
        doc="skilled households from the talent region per resident household",
    )
    talent_policy: float = option(
        0.0, ge=0, le=20, doc="talent-attraction lever: 1.0 doubles the talent stream from talent_region "
        "(skilled households among the general in-migrants are not affected)",
    )
    talent_region: str = option("greater_bay_area", doc="region the skilled talent comes from")
    inflow_job_elasticity: float = option(
        2.0, ge=0, le=20, doc="relative change of inflows per relative job growth"
    )
    job_growth_rate: float = option(0.01, ge=-0.5, le=0.5, unit="1/year", doc="baseline job growth")
    housing_growth_rate: float = option(
        0.0,
        ge=0,
        le=0.2,
        unit="1/year",
        doc="baseline trend: dwellings completed each year in every zone, as a share of its dwellings "
        "(the construction lever adds to it)",
    )
    regions: Mapping[str, tuple[float, ...]] = option(
        default_factory=lambda: frozen_mapping(DEFAULT_REGIONS),
        gt=0,
        le=1e5,
        doc="other regions: name = [population in millions, distance in km] (gravity model)",
    )
    gravity_exponent: float = option(2.0, ge=0, le=4, doc="distance exponent of the gravity model")
    # location choice (utilities in utils)
    beta_price_by_income: tuple[float, ...] = option(
        (-3.0, -2.0, -1.0), ge=-50, le=0, doc="utils per unit of price index, by income band"
    )
    beta_jobs: float = option(0.6, ge=0, le=50,
                              doc="utils per log(1 + thousand jobs within commute_threshold_min)")
    skilled_jobs_factor: float = option(1.5, ge=0, le=10,
                                        doc="multiplier of beta_jobs for skilled households")
    beta_schools: float = option(0.3, ge=0, le=50,
                                 doc="utils per log(1 + schools within reach), families only")
    beta_hospital: float = option(
        -0.03, ge=-10, le=0, unit="1/minute", doc="utils per minute to the nearest hospital"
    )
    beta_public: float = option(0.2, ge=0, le=50, doc="utils per log(1 + public places within reach)")
    beta_stay: float = option(2.0, ge=0, le=50, doc="utils for staying in the current zone (moving costs)")
    zone_constants: str = option(
        "calibrated",
        choices=("calibrated", "zero"),
        doc="per-zone constants of the location choice: 'calibrated' so the base year with no policy "
        "reproduces itself (set before the first year), or 'zero' (attributes alone; the base year drifts)",
    )
    commute_threshold_min: float = option(30.0, gt=0, le=180, unit="minutes", doc="jobs-reachable threshold")
    service_threshold_min: float = option(
        15.0, gt=0, le=180, unit="minutes", doc="schools/public places within reach threshold"
    )
    commute_decay_min: float = option(
        15.0, gt=0, le=180, unit="minutes", doc="decay of the gravity commute distribution (mean commute KPI)"
    )
    labour_force_share: float = option(0.55, gt=0, le=1, doc="workers per resident (jobs-housing balance)")
    # housing market
    price_adjustment: float = option(
        0.3, ge=0, le=2, doc="elasticity of the yearly price update per iteration (0: fixed)"
    )
    price_iterations: int = option(10, ge=0, le=200, doc="tatonnement iterations per year")
    natural_vacancy: float | None = option(
        None,
        ge=0,
        le=1,
        doc="vacancy rate at which the price level is stable "
        "(default: the city's vacancy rate in the first year)",
    )
    price_level_elasticity: float = option(
        1.0, ge=0, le=10, doc="relative change of the price level per point of vacancy gap"
    )
    # policy levers
    subsidy: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0, lt=1, doc="district or zone = share of housing cost subsidised"
    )
    amenity: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=-20, le=20,
        doc="district or zone = extra utils (new services, parks)"
    )
    construction: Mapping[str, float] = option(
        default_factory=frozen_mapping,
        ge=0,
        le=100_000,
        unit="dwellings/year",
        doc="district or zone = dwellings completed per year",
    )
    construction_years: int = option(10, ge=0, le=100, unit="years", doc="years the construction lever runs")
    new_jobs: Mapping[str, float] = option(
        default_factory=frozen_mapping,
        ge=0,
        le=1_000_000,
        unit="jobs/year",
        doc="district or zone = jobs created per year (business parks)",
    )

    household_agent: str = option(
        "",
        doc="households choose as Mesa agents of this registered class ('household': the base class,"
            " the kernel's rule; or a name registered with twin.migration.register_household_agent);"
            " empty: the numba kernel",
    )
    household_agent_options: Mapping[str, Any] = option(
        default_factory=frozen_mapping, doc="keyword arguments passed to every household agent"
    )

    def check(self) -> str | None:
        if not self.household_agent and self.household_agent_options:
            return "household_agent_options: name a household_agent to pass them to (the kernel takes none)"
        if self.household_agent:
            problem = HOUSEHOLD_CATALOG.problem(
                "household_agent", self.household_agent
            ) or HOUSEHOLD_CATALOG.options_problem(
                "household_agent_options", self.household_agent, self.household_agent_options,
                reserved=AGENT_ARGUMENTS,
            )
            if problem:
                return problem
        for name, values, n in (("income_shares", self.income_shares, 3), ("age_shares", self.age_shares, 4)):
            if len(values) != n:
                return f"{name}: expected {n} shares, got {len(values)}"
            if not math.isclose(sum(values), 1.0, abs_tol=1e-9):
                return f"{name}: shares must sum to one, got {sum(values):.6g}"
        for name, n in (
            ("skilled_share_by_income", 3),
            ("owner_share_by_age", 4),
            ("move_rate_by_age", 4),
            ("birth_rate_by_age", 4),
            ("death_rate_by_age", 4),
            ("out_rate_by_age", 4),
            ("beta_price_by_income", 3),
        ):
            if len(getattr(self, name)) != n:
                return f"{name}: expected {n} values, got {len(getattr(self, name))}"
        for region, pair in self.regions.items():
            if len(pair) != 2:
                return f"regions.{region}: expected [population_millions, distance_km], got {list(pair)}"
        if self.talent_region not in self.regions:
            return (
                f"talent_region: {self.talent_region!r} is not a region; regions: {', '.join(self.regions)}"
            )
        return None
