"""Migration benchmark: one yearly step for 1,000,000 households, and numba vs classic Mesa agents.

Run: ``python benchmarks/migration_step.py`` (options: ``--households``, ``--mesa-households``).

1. The Hezhou seed city's zone populations and dwellings are scaled so the city holds about
   ``--households`` households; one full yearly step (vital events, flows, price clearing,
   location choice, bookkeeping) is timed, median of three consecutive years after a warm-up.
2. The same location-choice rule is run for ``--mesa-households`` choosers twice on the same
   choice problem: by the numba kernel, and as classic Mesa agents (one
   :class:`~twin.migration.mesa_view.HouseholdAgent` per household stepped through an AgentSet).
   Both give identical choices (checked); the speed ratio is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import mesa
import numpy as np
from mesa.agent import AgentSet

from twin import City
from twin.config import parse
from twin.migration import HousingMarket, MigrationConfig, MigrationState, create_households
from twin.migration.choice import choice_order, choose_zones
from twin.migration.mesa_view import HouseholdAgent, choice_agents, collect_choices
from twin.migration.module import LEVERS, lever_array
from twin.migration.state import ChoiceProblem
from twin.migration.zone_attributes import free_flow_skim, zone_attributes


def build_state(city: City, households: int, config: MigrationConfig) -> MigrationState:
    zones = city.zones
    scale = households * config.mean_household_size / zones.population.sum()
    population = np.rint(zones.population * scale).astype(np.int64)
    dwellings = np.rint(zones.dwellings * scale).astype(np.int64)
    hh = create_households(
        zones.name,
        population,
        dwellings,
        np.random.default_rng(1),
        mean_size=config.mean_household_size,
        income_shares=config.income_shares,
        age_shares=config.age_shares,
        skilled_share_by_income=config.skilled_share_by_income,
        owner_share_by_age=config.owner_share_by_age,
    )
    levers = {name: lever_array(city, getattr(config, name), name) for name in LEVERS}
    return MigrationState(hh, HousingMarket.from_dwellings(dwellings), zones.jobs * scale, config, levers)


def time_yearly_steps(city: City, households: int, config: MigrationConfig) -> dict:
    state = build_state(city, households, config)
    skim = free_flow_skim(city)

    def attrs(jobs):
        return zone_attributes(city, skim, jobs, config.commute_threshold_min, config.service_threshold_min)

    times, flows = [], None
    for year in range(4):
        start = time.perf_counter()
        flows = state.advance(np.uint64(1000 + year), np.random.default_rng(year), attrs)
        times.append(time.perf_counter() - start)
    return {
        "households": len(state.households),
        "movers": flows.movers_households,
        "first_s": times[0],
        "median_s": statistics.median(times[1:]),
    }


def choice_problem(city: City, n: int, config: MigrationConfig) -> ChoiceProblem:
    rng = np.random.default_rng(2)
    zones = len(city.zones)
    skim = free_flow_skim(city)
    from twin.migration.state import location_utilities

    attrs = zone_attributes(city, skim, city.zones.jobs.astype(float), 30.0, 15.0)
    vacancy = np.full(zones, 2 * n // zones, dtype=np.int64)
    base, weight = location_utilities(config, attrs, vacancy, np.zeros(zones), np.zeros(zones))
    return ChoiceProblem(
        np.uint64(7),
        np.arange(n, dtype=np.int64),
        rng.integers(0, 12, n).astype(np.int64),
        rng.integers(0, zones, n).astype(np.int64),
        base + weight,
        config.beta_stay,
        vacancy,
    )


def time_mesa_vs_kernel(city: City, n: int, config: MigrationConfig) -> dict:
    problem = choice_problem(city, n, config)
    order = choice_order(problem.key, problem.chooser_id)
    vacancy = problem.vacancy.copy()
    choose_zones(
        problem.key,
        problem.chooser_id[:10],
        problem.chooser_type[:10],
        problem.chooser_origin[:10],
        problem.utility,
        problem.stay_bonus,
        vacancy.copy(),
        order[:10] % 10,
    )  # compile / load cache
    start = time.perf_counter()
    fast = choose_zones(
        problem.key,
        problem.chooser_id,
        problem.chooser_type,
        problem.chooser_origin,
        problem.utility,
        problem.stay_bonus,
        vacancy.copy(),
        order,
    )
    kernel_s = time.perf_counter() - start

    model = mesa.Model(rng=0)
    problem.vacancy = vacancy.copy()
    start = time.perf_counter()
    agents = choice_agents(model, problem, order, HouseholdAgent)
    agentset = AgentSet(agents, random=model.random)
    create_s = time.perf_counter() - start
    start = time.perf_counter()
    agentset.do("step")
    step_s = time.perf_counter() - start
    slow = collect_choices(agents, n)
    assert np.array_equal(fast, slow), "Mesa agents and the kernel disagree"
    return {
        "choosers": n,
        "kernel_s": kernel_s,
        "mesa_create_s": create_s,
        "mesa_step_s": step_s,
        "ratio_step": step_s / kernel_s,
        "ratio_total": (create_s + step_s) / kernel_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--mesa-households", type=int, default=100_000)
    args = parser.parse_args()
    city = City.from_seed("hezhou")
    config = parse(MigrationConfig, {}, source="<benchmark>")
    print(f"load average: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    step = time_yearly_steps(city, args.households, config)
    print(
        f"yearly step, {step['households']:,} households ({step['movers']:,} movers), "
        f"{len(city.zones)} zones: median {step['median_s']:.3f} s (first year {step['first_s']:.3f} s)"
    )
    mesa_run = time_mesa_vs_kernel(city, args.mesa_households, config)
    print(
        f"location choice, {mesa_run['choosers']:,} choosers: numba kernel {mesa_run['kernel_s']:.3f} s; "
        f"Mesa AgentSet step {mesa_run['mesa_step_s']:.2f} s (+ {mesa_run['mesa_create_s']:.2f} s creating "
        f"agents); ratio {mesa_run['ratio_step']:.0f}x (step), {mesa_run['ratio_total']:.0f}x (with creation)"
    )


if __name__ == "__main__":
    main()
