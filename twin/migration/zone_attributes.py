"""What a zone offers a household: jobs within reach, schools, hospitals, public places, commute.

All measures come from one zone-to-zone travel-time skim (seconds): the ``zone_travel_time_s``
array traffic publishes, or a free-flow skim computed once on the road network.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import PUBLIC_PLACE_KINDS, City
from twin.city.facilities import FACILITY_KINDS
from twin.kernels.shortest_path import travel_time_matrix

HOSPITAL_CAP_MIN = 120.0
"""Minutes counted for a zone that reaches no hospital (keeps utilities finite)."""


def free_flow_skim(city: City) -> np.ndarray:
    """Zone-to-zone free-flow travel times, seconds (zone nodes to zone nodes)."""
    nodes = city.zones.node
    return travel_time_matrix(city.network, city.network.free_flow_time_s, nodes, nodes)


def facilities_per_zone(city: City, kinds: tuple[str, ...]) -> np.ndarray:
    codes = [FACILITY_KINDS.index(k) for k in kinds]
    rows = np.isin(city.facilities.kind, codes)
    return np.bincount(city.facilities.zone[rows], minlength=len(city.zones)).astype(np.float64)


@dataclasses.dataclass(frozen=True)
class ZoneAttributes:
    """Per-zone measures of one year (arrays of n_zones)."""

    jobs_within: np.ndarray
    schools_within: np.ndarray
    public_within: np.ndarray
    hospital_min: np.ndarray


def zone_attributes(
    city: City,
    skim_s: np.ndarray,
    jobs: np.ndarray,
    commute_threshold_min: float,
    service_threshold_min: float,
) -> ZoneAttributes:
    """Jobs reachable within the commute threshold, facilities within the service threshold."""
    commute = (skim_s <= commute_threshold_min * 60.0).astype(np.float64)
    service = (skim_s <= service_threshold_min * 60.0).astype(np.float64)
    hospitals = facilities_per_zone(city, ("hospital",)) > 0
    to_hospital = skim_s[:, hospitals].min(axis=1) / 60.0 if hospitals.any() else np.full(len(jobs), np.inf)
    return ZoneAttributes(
        jobs_within=commute @ jobs,
        schools_within=service @ facilities_per_zone(city, ("school",)),
        public_within=service @ facilities_per_zone(city, PUBLIC_PLACE_KINDS),
        hospital_min=np.minimum(to_hospital, HOSPITAL_CAP_MIN),
    )


def mean_commute_min(skim_s: np.ndarray, population: np.ndarray, jobs: np.ndarray, decay_min: float) -> float:
    """Population-weighted mean commute, minutes, workers spread over jobs by a gravity model.

    A worker living in zone i works in zone j with probability proportional to
    ``jobs_j * exp(-t_ij / decay)`` (singly constrained gravity); unreachable pairs get none.
    """
    t_min = skim_s / 60.0
    weight = np.where(
        np.isfinite(t_min), jobs[None, :] * np.exp(-np.where(np.isfinite(t_min), t_min, 0) / decay_min), 0.0
    )
    total = weight.sum(axis=1)
    mean_i = np.divide(
        (weight * np.where(np.isfinite(t_min), t_min, 0)).sum(axis=1),
        total,
        out=np.zeros_like(total),
        where=total > 0,
    )
    return float((population * mean_i).sum() / max(population[total > 0].sum(), 1.0))
