"""Flows of people: births, deaths, household formation, and migration with other regions.

Vital events and the decisions to leave or to move are per-household draws from the
household's own random streams (:func:`~twin.migration.choice.stream_uniform`), so they do
not depend on any policy. Flows with the outside world follow a gravity model: a region's
share of the city's out-migrants (destinations) and of its general in-migrants (origins) is
``M_r / d_r ** gamma`` normalised, with M the region's population and d its distance.
Skilled talent arrives from one region (the Greater Bay Area by default), driven by the city's
job growth and a talent-policy lever.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from twin.errors import TwinInputError
from twin.migration.choice import (
    PURPOSE_AGEING,
    PURPOSE_BIRTH,
    PURPOSE_DEATH,
    PURPOSE_FORM,
    PURPOSE_LEAVE,
    PURPOSE_MOVE,
    stream_uniform,
)


def gravity_shares(population: np.ndarray, distance_km: np.ndarray, exponent: float) -> np.ndarray:
    """Shares of a flow between the city and each region: ``M / d**exponent``, normalised."""
    population = np.asarray(population, dtype=np.float64)
    distance_km = np.asarray(distance_km, dtype=np.float64)
    if not (np.isfinite(population).all() and np.isfinite(distance_km).all()) or not np.isfinite(exponent):
        raise TwinInputError(
            "migration: region populations, distances and the gravity exponent must be finite"
        )
    if (population <= 0).any() or (distance_km <= 0).any():
        raise TwinInputError("migration: region populations and distances must be > 0")
    mass = population / distance_km**exponent
    return mass / mass.sum()


def check_rates(name: str, rates) -> np.ndarray:
    """Rates as a float array, refusing values that are not finite or outside [0, 1]."""
    rates = np.asarray(rates, dtype=np.float64)
    if not np.isfinite(rates).all() or (rates < 0).any() or (rates > 1).any():
        raise TwinInputError(
            f"migration: {name} must be finite probabilities in [0, 1], got {rates.tolist()}"
        )
    return rates


@njit(cache=True, inline="always")
def move_probability(
    rate, owner, years, owner_move_factor, recent_move_factor, long_stay_years, long_stay_factor
):
    """Probability (per year) that a household staying in the city considers a move: the rate of its
    head's age band, times ``owner_move_factor`` for owners, ``recent_move_factor`` under 2 years in
    place, ``long_stay_factor`` from ``long_stay_years`` on."""
    p = rate
    if owner == 1:
        p *= owner_move_factor
    if years < 2:
        p *= recent_move_factor
    elif years >= long_stay_years:
        p *= long_stay_factor
    return p


@njit(cache=True)
def move_probabilities(
    age, owner, years, move_rate, owner_move_factor, recent_move_factor, long_stay_years, long_stay_factor
):
    """:func:`move_probability` of each household (``age`` indexes ``move_rate``), per year."""
    out = np.empty(age.size)
    for i in range(age.size):
        out[i] = move_probability(
            move_rate[age[i]], owner[i], years[i], owner_move_factor, recent_move_factor, long_stay_years,
            long_stay_factor,
        )
    return out


@njit(cache=True)
def household_events(
    key,
    ids,
    size,
    age,
    owner,
    years,
    birth_rate,
    death_rate,
    leave_rate,
    move_rate,
    owner_move_factor,
    recent_move_factor,
    long_stay_years,
    long_stay_factor,
    formation_rate,
    ageing_rate,
):
    """One year of events per household, all from the household's own streams.

    Rates are per year, indexed by the head's age band: ``birth_rate`` per household, ``death_rate``
    per person, ``leave_rate`` (leave the city) and ``move_rate`` (consider moving) per household.

    Returns:
        births, deaths (persons per household), leaves, moves, forms (0/1 per household: leaves
        the city, considers moving within it, splits off a one-person household), new age band.
    """
    n = ids.size
    births = np.zeros(n, dtype=np.int64)
    deaths = np.zeros(n, dtype=np.int64)
    leaves = np.zeros(n, dtype=np.bool_)
    moves = np.zeros(n, dtype=np.bool_)
    forms = np.zeros(n, dtype=np.bool_)
    new_age = age.copy()
    for i in range(n):
        h = ids[i]
        a = age[i]
        for m in range(size[i]):
            if stream_uniform(key, h, PURPOSE_DEATH, m) < death_rate[a]:
                deaths[i] += 1
        alive = size[i] - deaths[i]
        if alive == 0:
            continue
        if stream_uniform(key, h, PURPOSE_BIRTH, 0) < birth_rate[a]:
            births[i] = 1
        if a < 3 and stream_uniform(key, h, PURPOSE_AGEING, 0) < ageing_rate:
            new_age[i] = a + 1
        if stream_uniform(key, h, PURPOSE_LEAVE, 0) < leave_rate[a]:
            leaves[i] = True
            continue
        p = move_probability(
            move_rate[a], owner[i], years[i], owner_move_factor, recent_move_factor, long_stay_years,
            long_stay_factor,
        )
        moves[i] = stream_uniform(key, h, PURPOSE_MOVE, 0) < p
        if alive + births[i] >= 3 and a >= 1 and stream_uniform(key, h, PURPOSE_FORM, 0) < formation_rate:
            forms[i] = True
    return births, deaths, leaves, moves, forms, new_age
