"""Housing market: dwellings per zone, construction over the years, and prices that clear demand.

Prices are indices (1.0 = the city's mean price in the first year). Each year the relative price
of every zone is adjusted by tatonnement until the logit demand of this year's choosers matches
the vacant dwellings offered (zones with excess demand get dearer), and the city-wide level
moves with the vacancy rate against a natural vacancy rate. "Matches" is measured against the
base year: a zone's demand share over its share of the vacant dwellings is compared with the
same ratio in the calibrated base year (``reference``), so a base year in equilibrium keeps its
prices, and only a change (new dwellings, a subsidy, jobs) moves them. Allocation itself never exceeds
capacity: choosers only take vacant dwellings (see :mod:`twin.migration.choice`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import softmax

from twin.errors import TwinInputError


@dataclasses.dataclass
class HousingMarket:
    """Dwellings (count per zone) and price indices; ``price = level * relative``.

    ``reference`` is the base year's demand share over vacancy share per zone, at which relative
    prices are in equilibrium (ones until :meth:`MigrationState.calibrate` sets it).
    """

    dwellings: np.ndarray
    relative: np.ndarray
    level: float = 1.0
    reference: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.reference is None:
            self.reference = np.ones(np.asarray(self.dwellings).size)

    @classmethod
    def from_dwellings(cls, dwellings: np.ndarray) -> HousingMarket:
        dwellings = np.asarray(dwellings, dtype=np.int64)
        if (dwellings < 0).any():
            z = int(np.flatnonzero(dwellings < 0)[0])
            raise TwinInputError(f"migration: zone {z} has negative capacity ({dwellings[z]} dwellings)")
        return cls(dwellings.copy(), np.ones(dwellings.size))

    @property
    def price(self) -> np.ndarray:
        return self.level * self.relative

    def build(self, added: np.ndarray) -> None:
        """Add completed dwellings per zone (construction levers)."""
        if (np.asarray(added) < 0).any():
            raise TwinInputError("migration: construction must not remove dwellings (negative capacity)")
        self.dwellings = self.dwellings + np.asarray(added, dtype=np.int64)

    def price_index(self) -> float:
        """Dwelling-weighted mean price, 100 = first-year mean."""
        return 100.0 * float((self.price * self.dwellings).sum() / max(self.dwellings.sum(), 1))

    def clear(
        self,
        base_utility: np.ndarray,
        price_weight: np.ndarray,
        groups: np.ndarray,
        stay_bonus: float,
        vacancy: np.ndarray,
        *,
        adjustment: float,
        iterations: int,
    ) -> np.ndarray:
        """Tatonnement on relative prices; returns the expected demand per zone at the final prices.

        Args:
            base_utility: (n_types, n_zones) utilities without the price term.
            price_weight: (n_types, n_zones) utils per unit of price (negative; subsidies included).
            groups: (n_types, n_zones + 1) choosers by type and origin zone (last column: newcomers).
            vacancy: vacant dwellings offered this year per zone.
            adjustment: elasticity of the price update (0 keeps prices fixed).
        """
        demand = expected_demand(base_utility + price_weight * self.price, groups, stay_bonus)
        for _ in range(iterations if adjustment > 0 else 0):
            ratio = demand_supply_ratio(demand, vacancy) / self.reference
            self.relative = self.relative * np.clip(ratio, 0.5, 2.0) ** adjustment
            self.relative /= (self.relative * self.dwellings).sum() / max(self.dwellings.sum(), 1)
            demand = expected_demand(base_utility + price_weight * self.price, groups, stay_bonus)
        return demand

    def update_level(self, vacancy_rate: float, natural_vacancy: float, elasticity: float) -> None:
        """Move the city-wide price level against the gap between vacancy and its natural rate."""
        self.level *= float(np.clip(1.0 + elasticity * (natural_vacancy - vacancy_rate), 0.8, 1.25))


def demand_supply_ratio(demand: np.ndarray, vacancy: np.ndarray) -> np.ndarray:
    """Each zone's share of the expected demand over its share of the vacant dwellings (1 where
    nothing is vacant): above 1, more choosers want the zone than its vacancies would get."""
    share_d = demand / max(demand.sum(), 1e-12)
    share_s = vacancy / max(vacancy.sum(), 1)
    return np.where(vacancy > 0, (share_d + 1e-9) / (share_s + 1e-9), 1.0)


def expected_demand(utility: np.ndarray, groups: np.ndarray, stay_bonus: float) -> np.ndarray:
    """Expected choosers per zone: sum over (type, origin) groups of count x logit probabilities.

    ``groups[t, o]`` counts choosers of type t now in zone o (o = n_zones: newcomers), who get
    ``stay_bonus`` on their own zone.
    """
    n_types, n_zones = utility.shape
    logits = np.repeat(utility[:, None, :], n_zones + 1, axis=1)
    diag = np.arange(n_zones)
    logits[:, diag, diag] += stay_bonus
    closed = np.isneginf(utility).all(axis=1)
    prob = softmax(np.where(closed[:, None, None], 0.0, logits), axis=2)
    prob[closed] = 0.0
    return np.einsum("to,toz->z", groups, prob)
