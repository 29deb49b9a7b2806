"""Households as numpy columns: one row per household, never a Python object per household.

Columns (all the same length): ``id`` (stable int64, the key of the household's random streams),
``zone`` (int64 zone index), ``size`` (persons), ``income`` (band 0 low, 1 middle, 2 high),
``age`` (band of the head: 0 under 35, 1 35-49, 2 50-64, 3 65 and over), ``skilled`` (0/1,
a skilled worker in the household), ``owner`` (tenure: 1 owner, 0 renter) and ``years``
(years in the current dwelling). A household occupies exactly one dwelling of its zone.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.errors import CityError

N_INCOME = 3
N_AGE = 4
MAX_SIZE = 8
COLUMNS = ("id", "zone", "size", "income", "age", "skilled", "owner", "years")


@dataclasses.dataclass
class Households:
    """Columnar household table; mutate through :meth:`keep` and :meth:`append` only."""

    id: np.ndarray
    zone: np.ndarray
    size: np.ndarray
    income: np.ndarray
    age: np.ndarray
    skilled: np.ndarray
    owner: np.ndarray
    years: np.ndarray

    def __len__(self) -> int:
        return int(self.id.size)

    @property
    def population(self) -> int:
        return int(self.size.sum())

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False (households that left or dissolved)."""
        for name in COLUMNS:
            setattr(self, name, getattr(self, name)[mask])

    def append(self, other: Households) -> None:
        """Add the rows of ``other`` at the end (in place)."""
        joined = self.concat(other)
        for name in COLUMNS:
            setattr(self, name, getattr(joined, name))

    def concat(self, other: Households) -> Households:
        """A new table with the rows of ``self`` then those of ``other``."""
        return Households(**{name: np.concatenate([getattr(self, name), getattr(other, name)])
                             for name in COLUMNS})

    def take(self, rows: np.ndarray) -> Households:
        return Households(**{name: getattr(self, name)[rows] for name in COLUMNS})

    def choice_type(self) -> np.ndarray:
        """Row of the utility table for each household: income x skilled x family (size >= 3)."""
        return household_type(self.income, self.skilled, self.size)

    def zone_population(self, n_zones: int) -> np.ndarray:
        return np.bincount(self.zone, weights=self.size, minlength=n_zones)

    def zone_households(self, n_zones: int) -> np.ndarray:
        return np.bincount(self.zone, minlength=n_zones).astype(np.int64)


N_TYPES = N_INCOME * 2 * 2


def household_type(income: np.ndarray, skilled: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Type index 0..11 = (income band, skilled flag, family of 3 or more)."""
    return (income.astype(np.int64) * 4 + skilled.astype(np.int64) * 2 + (size >= 3)).astype(np.int64)


def type_table() -> dict[str, np.ndarray]:
    """For each type index: its income band, skilled flag and family flag."""
    t = np.arange(N_TYPES)
    return {"income": t // 4, "skilled": (t // 2) % 2, "family": t % 2}


def draw_attributes(
    n: int,
    rng: np.random.Generator,
    *,
    income_shares,
    age_shares,
    skilled_share_by_income,
    owner_share_by_age,
) -> dict[str, np.ndarray]:
    """Income, age, skilled and tenure columns for ``n`` households (independent draws)."""
    income = rng.choice(N_INCOME, size=n, p=np.asarray(income_shares)).astype(np.int8)
    age = rng.choice(N_AGE, size=n, p=np.asarray(age_shares)).astype(np.int8)
    skilled = (rng.random(n) < np.asarray(skilled_share_by_income)[income]).astype(np.int8)
    owner = (rng.random(n) < np.asarray(owner_share_by_age)[age]).astype(np.int8)
    return {"income": income, "age": age, "skilled": skilled, "owner": owner}


def split_population(population: int, n: int, mean_size: float, rng: np.random.Generator) -> np.ndarray:
    """Sizes (1..MAX_SIZE) of ``n`` households summing exactly to ``population`` persons."""
    if n == 0:
        return np.zeros(0, dtype=np.int16)
    size = np.clip(1 + rng.poisson(max(mean_size - 1.0, 0.0), n), 1, MAX_SIZE).astype(np.int64)
    diff = int(population - size.sum())
    while diff != 0:
        step = 1 if diff > 0 else -1
        room = np.flatnonzero(size < MAX_SIZE) if step > 0 else np.flatnonzero(size > 1)
        pick = rng.choice(room, size=min(abs(diff), room.size), replace=False)
        size[pick] += step
        diff -= step * pick.size
    return size.astype(np.int16)


def create_households(
    zone_names,
    population: np.ndarray,
    dwellings: np.ndarray,
    rng: np.random.Generator,
    *,
    mean_size: float,
    **shares,
) -> Households:
    """Households living in each zone, persons conserved exactly, never more than its dwellings.

    The number of households in a zone is ``population / mean_size`` rounded, raised so no
    household exceeds MAX_SIZE persons and capped by the zone's dwellings.

    Raises:
        CityError: a zone has more residents than ``MAX_SIZE`` times its dwellings.
    """
    population = np.asarray(population, dtype=np.int64)
    dwellings = np.asarray(dwellings, dtype=np.int64)
    wanted = np.rint(population / mean_size).astype(np.int64)
    least = -(-population // MAX_SIZE)
    too_small = np.flatnonzero(least > dwellings)
    if too_small.size:
        z = int(too_small[0])
        raise CityError(
            f"zone {zone_names[z]!r}: {population[z]} residents do not fit in {dwellings[z]} "
            f"dwellings ({MAX_SIZE} persons at most per household)"
        )
    count = np.minimum(np.maximum(wanted, least), dwellings)
    count[population == 0] = 0
    zone = np.repeat(np.arange(population.size, dtype=np.int64), count)
    size = np.concatenate(
        [split_population(int(p), int(n), mean_size, rng) for p, n in zip(population, count, strict=True)]
        + [np.zeros(0, np.int16)]
    )
    attrs = draw_attributes(zone.size, rng, **shares)
    years = rng.geometric(0.12, zone.size).astype(np.int16) - 1
    return Households(
        id=np.arange(zone.size, dtype=np.int64), zone=zone, size=size.astype(np.int16), years=years, **attrs
    )
