"""One migration year on the household columns: construction, vital events, flows, choice, market.

:class:`MigrationState` holds everything that changes from year to year (households, dwellings
and prices, jobs) and :meth:`MigrationState.advance` runs one year in this order:

1. construction levers complete dwellings; jobs grow (baseline rate plus job levers);
2. vital events, leaving, moving and household formation, per household (own random streams);
3. in-migrants arrive (general, by gravity over regions; skilled talent from the talent region);
4. movers vacate their dwellings; prices clear the expected demand of all choosers;
5. movers choose first (each freed a dwelling, so all are housed), then newcomers take what is
   left; a newcomer who finds no dwelling does not form (stays with the parent) or does not come.

Population is conserved exactly: end = start + in - out + births - deaths (see :class:`YearFlows`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.stats import poisson

from twin.migration.calibration import Calibration, calibrate_zone_constants
from twin.migration.choice import check_utilities, choice_order, choose_zones
from twin.migration.config import MigrationConfig
from twin.migration.flows import check_rates, gravity_shares, household_events, move_probabilities
from twin.migration.households import (
    MAX_SIZE,
    N_TYPES,
    Households,
    draw_attributes,
    household_type,
    type_table,
)
from twin.migration.housing import HousingMarket, demand_supply_ratio, expected_demand
from twin.migration.zone_attributes import ZoneAttributes

TALENT_INCOME_SHARES = (0.0, 0.6, 0.4)
INFLOW_AGE_SHARES = (0.6, 0.25, 0.1, 0.05)
NEWCOMER_SIZE_SHORTFALL = 0.6
"""Newcomer households are smaller than residents': 1 + Poisson(mean size - 1 - this) persons."""


def newcomer_extra_persons(mean_household_size: float) -> float:
    """Poisson mean of the persons beyond the first in a newcomer household."""
    return max(mean_household_size - 1.0 - NEWCOMER_SIZE_SHORTFALL, 0.0)


def type_shares(income_shares, skilled_share_by_income, family_share: float) -> np.ndarray:
    """Share of each choice type (income x skilled x family) among households drawn independently
    with these income shares, skilled probabilities by income and probability of 3+ persons."""
    t = type_table()
    skilled = np.asarray(skilled_share_by_income, dtype=np.float64)[t["income"]]
    return (
        np.asarray(income_shares, dtype=np.float64)[t["income"]]
        * np.where(t["skilled"] == 1, skilled, 1.0 - skilled)
        * np.where(t["family"] == 1, family_share, 1.0 - family_share)
    )


@dataclasses.dataclass
class YearFlows:
    """Persons and households moved in one year (persons unless named ``*_households``)."""

    start: int
    births: int
    deaths: int
    inflow: int
    outflow: int
    skilled_inflow: int
    end: int
    movers_households: int
    formed_households: int
    refused_households: int
    inflow_by_region: dict[str, int]
    outflow_by_region: dict[str, int]
    moved_in_by_zone: np.ndarray
    """(zones,) households that moved into each zone: movers from other zones, newcomers and new
    households housed there."""


@dataclasses.dataclass
class ChoiceProblem:
    """This year's choosers and utilities, as handed to a choice rule (kernel or Mesa agents)."""

    key: np.uint64
    chooser_id: np.ndarray
    chooser_type: np.ndarray
    chooser_origin: np.ndarray
    utility: np.ndarray
    stay_bonus: float
    vacancy: np.ndarray


ChoiceRule = Callable[[ChoiceProblem, np.ndarray], np.ndarray]
"""A rule ``(problem, order) -> chosen zone per chooser`` that decrements ``problem.vacancy``."""


def kernel_rule(problem: ChoiceProblem, order: np.ndarray) -> np.ndarray:
    """The default rule: the numba logit kernel :func:`~twin.migration.choice.choose_zones`."""
    return choose_zones(
        problem.key,
        problem.chooser_id,
        problem.chooser_type,
        problem.chooser_origin,
        problem.utility,
        problem.stay_bonus,
        problem.vacancy,
        order,
    )


def location_utilities(
    config: MigrationConfig,
    attrs: ZoneAttributes,
    vacancy: np.ndarray,
    subsidy: np.ndarray,
    amenity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(utility without price, utils per unit price), both (N_TYPES, n_zones).

    The log of vacant dwellings is the logit size term: a zone with twice the vacant dwellings
    is, other things equal, twice as likely to be chosen; a full zone is closed (-inf).
    """
    types = type_table()
    jobs_term = np.log1p(attrs.jobs_within / 1000.0)
    beta_jobs = config.beta_jobs * np.where(types["skilled"] == 1, config.skilled_jobs_factor, 1.0)
    with np.errstate(divide="ignore"):
        size_term = np.log(vacancy.astype(np.float64))
    zone_part = (
        config.beta_hospital * attrs.hospital_min
        + config.beta_public * np.log1p(attrs.public_within)
        + amenity
        + size_term
    )
    base = (
        beta_jobs[:, None] * jobs_term[None, :]
        + config.beta_schools * types["family"][:, None] * np.log1p(attrs.schools_within)[None, :]
        + zone_part[None, :]
    )
    price_weight = (
        np.asarray(config.beta_price_by_income)[types["income"]][:, None] * (1.0 - subsidy)[None, :]
    )
    return base, price_weight


class MigrationState:
    """Households, housing and jobs of the city, advanced one year at a time.

    Args:
        households: the initial household columns.
        market: dwellings and prices per zone.
        jobs: jobs per zone (float, grows over the years).
        config: the validated [migration] section.
        levers: per-zone arrays ``subsidy``, ``amenity``, ``construction``, ``new_jobs``.
    """

    def __init__(
        self,
        households: Households,
        market: HousingMarket,
        jobs: np.ndarray,
        config: MigrationConfig,
        levers: dict[str, np.ndarray],
    ) -> None:
        self.households = households
        self.market = market
        self.jobs = np.asarray(jobs, dtype=np.float64).copy()
        self.config = config
        self.levers = levers
        self.next_id = int(households.id.max()) + 1 if len(households) else 0
        self.years_done = 0
        self._built = np.zeros(market.dwellings.size)
        self.regions = list(config.regions)
        region_values = np.array([config.regions[r] for r in self.regions], dtype=np.float64).reshape(-1, 2)
        self.region_shares = gravity_shares(region_values[:, 0], region_values[:, 1], config.gravity_exponent)
        self.rates = {
            name: check_rates(name, getattr(config, name))
            for name in ("birth_rate_by_age", "death_rate_by_age", "out_rate_by_age", "move_rate_by_age")
        }
        self.last_job_growth = config.job_growth_rate
        start_vacancy = float(self.vacancy().sum() / max(market.dwellings.sum(), 1))
        self.natural_vacancy = start_vacancy if config.natural_vacancy is None else config.natural_vacancy
        self.zone_constant = np.zeros((N_TYPES, self.n_zones))
        self.calibration: dict[str, Calibration] | None = None

    @property
    def n_zones(self) -> int:
        return int(self.market.dwellings.size)

    def vacancy(self) -> np.ndarray:
        return self.market.dwellings - self.households.zone_households(self.n_zones)

    def expected_choosers(self) -> tuple[np.ndarray, np.ndarray]:
        """The choosers and vacancies one year would bring, in expectation, with no policy.

        Returns:
            groups: (N_TYPES, n_zones + 1) expected choosing households by type and origin zone
                (last column: newcomers): movers (households that stay in the city and consider a
                move), one-person households splitting off, general in-migrants and skilled talent
                (at ``talent_rate`` with the baseline job growth; levers and ``talent_policy`` are
                left out, so every scenario on the same base year gets the same constants).
            vacancy: expected vacant dwellings per zone once leavers and movers have left.
        """
        c, hh, r, n = self.config, self.households, self.rates, self.n_zones
        age = hh.age.astype(np.int64)
        stays = 1.0 - r["out_rate_by_age"][age]
        moves = stays * move_probabilities(
            age, hh.owner.astype(np.int64), hh.years.astype(np.int64), r["move_rate_by_age"],
            c.owner_move_factor, c.recent_move_factor, c.long_stay_years, c.long_stay_factor,
        )
        groups = np.zeros((N_TYPES, n + 1))
        np.add.at(groups, (hh.choice_type(), hh.zone), moves)
        vacancy = self.market.dwellings - np.bincount(hh.zone, weights=stays - moves, minlength=n)
        family = float(poisson.sf(1, newcomer_extra_persons(c.mean_household_size)))
        pull = max(0.0, 1.0 + c.inflow_job_elasticity * c.job_growth_rate)
        general = type_shares(c.income_shares, c.skilled_share_by_income, family)
        groups[:, n] += c.in_rate * len(hh) * pull * general
        groups[:, n] += c.talent_rate * len(hh) * pull * type_shares(TALENT_INCOME_SHARES, np.ones(3), family)
        parents = (hh.size >= 3) & (hh.age >= 1)
        formed = np.bincount(hh.income[parents], weights=stays[parents], minlength=3) * c.formation_rate
        if formed.sum() > 0:
            groups[:, n] += formed.sum() * type_shares(formed / formed.sum(), c.skilled_share_by_income, 0.0)
        return groups, vacancy

    def calibrate(self, attrs: ZoneAttributes) -> dict[str, Calibration]:
        """Set the zone constants so the base year's expected choices reproduce where households
        live now (see :mod:`twin.migration.calibration`), and the market's reference ratio so
        today's prices clear today's demand. Call once, on the base year, before :meth:`advance`.

        Families (3+ persons) and smaller households get their own constants, each calibrated on
        where that segment lives: with one constant per zone the household counts stay put but
        families drift towards the zones with more schools in reach, and so do persons.

        Returns:
            the calibration of each segment, ``"single"`` (1-2 persons) and ``"family"``.
        """
        c, hh = self.config, self.households
        groups, vacancy = self.expected_choosers()
        none = np.zeros(self.n_zones)
        base, price_weight = location_utilities(c, attrs, vacancy, none, none)
        utility = base + price_weight * self.market.price[None, :]
        check_utilities(utility, "location utilities")
        family = type_table()["family"]
        lives = np.bincount(hh.zone, weights=hh.size >= 3, minlength=self.n_zones)
        targets = {"single": hh.zone_households(self.n_zones) - lives, "family": lives}
        self.calibration = {}
        for flag, (segment, target) in enumerate(targets.items()):
            rows = family == flag
            fit = calibrate_zone_constants(utility[rows], groups[rows], c.beta_stay, target)
            self.calibration[segment] = fit
            self.zone_constant[rows] = fit.constant
        demand = expected_demand(utility + self.zone_constant, groups, c.beta_stay)
        self.market.reference = demand_supply_ratio(demand, vacancy)
        return self.calibration

    def _build_and_hire(self) -> None:
        """Complete this year's dwellings (the trend in every zone, then the construction lever)
        and grow the jobs; fractions of a dwelling carry over to the next year."""
        added = self.market.dwellings * self.config.housing_growth_rate
        if self.years_done < self.config.construction_years:
            added = added + self.levers["construction"]
        target = self._built + added
        self.market.build(np.floor(target) - np.floor(self._built))
        self._built = target
        before = self.jobs.sum()
        self.jobs = self.jobs * (1.0 + self.config.job_growth_rate) + self.levers["new_jobs"]
        self.last_job_growth = float(self.jobs.sum() / before - 1.0) if before > 0 else 0.0

    def _newcomers(self, rng: np.random.Generator, n_resident: int) -> tuple[Households, np.ndarray]:
        """In-migrant households (general by gravity, then talent) and their origin regions."""
        c = self.config
        pull = max(0.0, 1.0 + c.inflow_job_elasticity * self.last_job_growth)
        n_general = int(rng.poisson(c.in_rate * n_resident * pull))
        n_talent = int(rng.poisson(c.talent_rate * n_resident * (1.0 + c.talent_policy) * pull))
        origin = np.concatenate(
            [
                rng.choice(len(self.regions), size=n_general, p=self.region_shares),
                np.full(n_talent, self.regions.index(c.talent_region)),
            ]
        ).astype(np.int64)
        general = draw_attributes(
            n_general,
            rng,
            income_shares=c.income_shares,
            age_shares=INFLOW_AGE_SHARES,
            skilled_share_by_income=c.skilled_share_by_income,
            owner_share_by_age=np.zeros(4),
        )
        talent = draw_attributes(
            n_talent,
            rng,
            income_shares=TALENT_INCOME_SHARES,
            age_shares=INFLOW_AGE_SHARES,
            skilled_share_by_income=np.ones(3),
            owner_share_by_age=np.zeros(4),
        )
        n = n_general + n_talent
        extra = newcomer_extra_persons(c.mean_household_size)
        size = np.clip(1 + rng.poisson(extra, n), 1, MAX_SIZE).astype(np.int16)
        cols = {k: np.concatenate([general[k], talent[k]]) for k in general}
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        return (
            Households(
                id=ids,
                zone=np.full(n, -1, dtype=np.int64),
                size=size,
                years=np.zeros(n, dtype=np.int16),
                **cols,
            ),
            origin,
        )

    def _household_events(self, key: np.uint64) -> tuple[np.ndarray, ...]:
        """Births, deaths and ageing applied to the columns; returns the year's event columns."""
        c, hh, r = self.config, self.households, self.rates
        births, deaths, leaves, moves, forms, new_age = household_events(
            key, hh.id, hh.size.astype(np.int64), hh.age.astype(np.int64), hh.owner.astype(np.int64),
            hh.years.astype(np.int64), r["birth_rate_by_age"], r["death_rate_by_age"], r["out_rate_by_age"],
            r["move_rate_by_age"], c.owner_move_factor, c.recent_move_factor, c.long_stay_years,
            c.long_stay_factor, c.formation_rate, c.ageing_rate,
        )
        hh.size = (hh.size - deaths + births).astype(np.int16)
        hh.age = new_age.astype(np.int8)
        return births, deaths, leaves, moves, forms

    def _split_off(self, parents: np.ndarray, rng: np.random.Generator) -> Households:
        """One adult of each parent household leaves it as a one-person household (no dwelling yet)."""
        hh, n = self.households, parents.size
        hh.size[parents] -= 1
        skilled_share = np.asarray(self.config.skilled_share_by_income)[hh.income[parents]]
        formed = Households(
            id=np.arange(self.next_id, self.next_id + n, dtype=np.int64), zone=np.full(n, -1, dtype=np.int64),
            size=np.ones(n, dtype=np.int16), income=hh.income[parents], age=np.zeros(n, dtype=np.int8),
            skilled=(rng.random(n) < skilled_share).astype(np.int8), owner=np.zeros(n, dtype=np.int8),
            years=np.zeros(n, dtype=np.int16),
        )
        self.next_id += n
        return formed

    def _allocate(self, key: np.uint64, movers: np.ndarray, newcomers: Households,
                  attrs: ZoneAttributes, rule: ChoiceRule) -> tuple[np.ndarray, np.ndarray]:
        """Clear prices, then movers choose (all housed), then newcomers take what is left.

        Returns:
            which movers changed zone, and the zone of each newcomer (-1: no dwelling found).
        """
        c, hh = self.config, self.households
        staying = np.ones(len(hh), dtype=bool)
        staying[movers] = False
        vacancy = self.market.dwellings - np.bincount(hh.zone[staying], minlength=self.n_zones)
        levers = self.levers
        base, price_weight = location_utilities(c, attrs, vacancy, levers["subsidy"], levers["amenity"])
        base = base + self.zone_constant
        check_utilities(base, "location utilities")
        mover_type = household_type(hh.income[movers], hh.skilled[movers], hh.size[movers])
        new_type = newcomers.choice_type()
        groups = np.zeros((N_TYPES, self.n_zones + 1))
        np.add.at(groups, (mover_type, hh.zone[movers]), 1.0)
        np.add.at(groups, (new_type, np.full(new_type.size, self.n_zones)), 1.0)
        self.market.clear(base, price_weight, groups, c.beta_stay, vacancy, adjustment=c.price_adjustment,
                          iterations=c.price_iterations)
        utility = base + price_weight * self.market.price[None, :]
        check_utilities(utility, "location utilities")
        vacancy = vacancy.astype(np.int64)
        origins = hh.zone[movers].astype(np.int64)
        chosen = rule(ChoiceProblem(key, hh.id[movers], mover_type, origins, utility, c.beta_stay, vacancy),
                      choice_order(key, hh.id[movers]))
        relocated = chosen != origins
        hh.years[movers[relocated]] = 0
        hh.zone[movers] = chosen
        no_origin = np.full(len(newcomers), -1, dtype=np.int64)
        placed = rule(ChoiceProblem(key, newcomers.id, new_type, no_origin, utility, c.beta_stay, vacancy),
                      choice_order(key, newcomers.id))
        return relocated, placed

    def advance(
        self,
        key: np.uint64,
        rng: np.random.Generator,
        attrs_for: Callable[[np.ndarray], ZoneAttributes],
        rule: ChoiceRule = kernel_rule,
    ) -> YearFlows:
        """Run one year. ``key`` seeds the per-household streams, ``rng`` the newcomers' make-up;
        ``attrs_for(jobs)`` gives this year's zone attributes for the current jobs."""
        hh = self.households
        start = hh.population
        self._build_and_hire()
        births, deaths, leaves, moves, forms = self._household_events(key)
        out_persons, out_households = int(hh.size[leaves].sum()), int(leaves.sum())
        parents = np.flatnonzero(forms)
        parent_ids = hh.id[parents]
        formed = self._split_off(parents, rng)
        stays = (hh.size > 0) & ~leaves
        hh.keep(stays)
        hh.years = np.minimum(hh.years + 1, 1000).astype(np.int16)
        arrivals, arrival_region = self._newcomers(rng, len(hh))
        newcomers = formed.concat(arrivals)
        movers = np.flatnonzero(moves[stays])
        relocated, placed = self._allocate(key, movers, newcomers, attrs_for(self.jobs), rule)
        newcomers.zone = placed
        housed = placed >= 0
        n_zones = len(self.market.dwellings)
        moved_in = (np.bincount(hh.zone[movers[relocated]], minlength=n_zones)
                    + np.bincount(placed[housed], minlength=n_zones)).astype(np.int64)
        # a formed household that found no dwelling stays with its parent (ids are sorted)
        n_formed = parent_ids.size
        np.add.at(hh.size, np.searchsorted(hh.id, parent_ids[~housed[:n_formed]]), 1)
        admitted = housed[n_formed:]
        hh.append(newcomers.take(np.flatnonzero(housed)))
        vacancy_rate = float(self.vacancy().sum() / max(self.market.dwellings.sum(), 1))
        self.market.update_level(vacancy_rate, self.natural_vacancy, self.config.price_level_elasticity)
        self.years_done += 1
        out_regions = rng.multinomial(out_households, self.region_shares)
        in_regions = np.bincount(arrival_region[admitted], minlength=len(self.regions))
        return YearFlows(
            start=start,
            births=int(births.sum()),
            deaths=int(deaths.sum()),
            inflow=int(arrivals.size[admitted].sum()),
            outflow=out_persons,
            skilled_inflow=int(arrivals.size[admitted & (arrivals.skilled == 1)].sum()),
            end=hh.population,
            movers_households=int(relocated.sum()),
            formed_households=int(housed[:n_formed].sum()),
            refused_households=int((~housed).sum()),
            inflow_by_region={r: int(v) for r, v in zip(self.regions, in_regions, strict=True)},
            outflow_by_region={r: int(v) for r, v in zip(self.regions, out_regions, strict=True)},
            moved_in_by_zone=moved_in,
        )
