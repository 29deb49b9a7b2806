"""Station siting: the maximal covering location problem (MCLP), solved exactly with scipy's milp.

Church and ReVelle's MCLP: open ``k`` new stations among candidate sites so that the most
residents live within ``standard_min`` minutes of an open station (existing stations stay open).
With ``x_j`` (site open) and ``y_i`` (zone covered):

    maximise  sum_i pop_i y_i   subject to   y_i <= sum_j a_ij x_j,   sum_(new j) x_j = k,
              x_j in {0, 1} (existing stations fixed at 1),   0 <= y_i <= 1

where ``a_ij = 1`` when site ``j`` reaches zone ``i`` within the standard. Candidate sites are the
zones' nodes; travel times are emergency times (free flow, ``speed_factor``) from
:func:`twin.kernels.shortest_path.travel_time_matrix`. The proposal is printed as
``[[emergency.stations]]`` tables, the scenario lever it feeds.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from twin.city import City
from twin.emergency.config import STATION_FACILITY, EmergencyConfig
from twin.emergency.travel import emergency_link_times
from twin.kernels.shortest_path import travel_time_matrix


@dataclasses.dataclass(frozen=True)
class SitingResult:
    """Sites chosen (indices into the candidates), residents covered before and after."""

    chosen: tuple[int, ...]
    covered_before: float
    covered_after: float


def solve_mclp(cover: np.ndarray, weight: np.ndarray, k: int, fixed: np.ndarray) -> SitingResult:
    """Exact MCLP; ``cover`` is (sites x zones) bool, ``fixed`` marks sites already open."""
    n_sites, n_zones = cover.shape
    c = np.concatenate([np.zeros(n_sites), -np.asarray(weight, dtype=np.float64)])
    link = np.hstack([-cover.T.astype(np.float64), np.eye(n_zones)])  # y_i - sum_j a_ij x_j <= 0
    count = np.concatenate([(~fixed).astype(np.float64), np.zeros(n_zones)])
    lower = np.concatenate([fixed.astype(np.float64), np.zeros(n_zones)])
    result = milp(
        c,
        constraints=[LinearConstraint(link, -np.inf, 0.0), LinearConstraint(count, k, k)],
        integrality=np.concatenate([np.ones(n_sites), np.zeros(n_zones)]),
        bounds=Bounds(lower, np.ones(n_sites + n_zones)),
    )
    if not result.success:
        raise ValueError(f"MCLP could not be solved: {result.message}")
    open_sites = result.x[:n_sites] > 0.5
    chosen = tuple(int(j) for j in np.flatnonzero(open_sites & ~fixed))
    return SitingResult(
        chosen, covered_weight(cover, weight, fixed), covered_weight(cover, weight, open_sites)
    )


def covered_weight(cover: np.ndarray, weight: np.ndarray, open_sites: np.ndarray) -> float:
    """Total weight of zones reached by at least one open site."""
    return float(np.asarray(weight)[cover[open_sites].any(axis=0)].sum())


def brute_force_mclp(cover: np.ndarray, weight: np.ndarray, k: int, fixed: np.ndarray) -> float:
    """The best covered weight by trying every set of ``k`` new sites (the slow twin for tests)."""
    free = np.flatnonzero(~fixed)
    best = 0.0
    for combo in itertools.combinations(free, k):
        open_sites = fixed.copy()
        open_sites[list(combo)] = True
        best = max(best, covered_weight(cover, weight, open_sites))
    return best


def propose_stations(
    city: City, unit_kind: str, add: int, standard_min: float, speed_factor: float | None = None
) -> tuple[SitingResult, np.ndarray]:
    """Where to add ``add`` stations for ``unit_kind``; returns the result and candidate nodes.

    ``speed_factor``: emergency vehicles' speed over free flow (default: the ``[emergency]`` one).

    Candidates: the existing stations of the kind (kept open) followed by every zone's node.
    """
    if speed_factor is None:
        speed_factor = EmergencyConfig().speed_factor
    free_flow = city.network.free_flow_time_s
    link_s = emergency_link_times(free_flow, free_flow, speed_factor, 0.0)
    existing = np.unique(city.facilities.node[city.facilities.of_kind(STATION_FACILITY[unit_kind])])
    zone_nodes = city.zones.node.astype(np.int64)
    sites = np.concatenate([existing, zone_nodes]).astype(np.int64)
    seconds = travel_time_matrix(city.network, link_s, sites, zone_nodes)
    fixed = np.zeros(len(sites), dtype=bool)
    fixed[: len(existing)] = True
    result = solve_mclp(seconds <= standard_min * 60.0, city.zones.population, add, fixed)
    return result, sites
