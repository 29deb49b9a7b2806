"""Daily waste generation per building and stream, and the sorting compliance that mixes streams.

Each building generates, per day, ``residents * resident_kg + jobs * job_kg`` of each stream's
*true* material, times the weekday factor and a per-building, per-stream noise factor (mean 1).
Sorting compliance ``c`` decides where the material is *placed*: a share ``c`` of each sorted
stream's material (kitchen, recyclable, hazardous) goes into the right bin and the rest into the
residual bin; a share ``(1 - c) * missort`` of residual material is thrown into the sorted bins
(in proportion to their own material), where it is contamination. Mass is conserved building by
building: what is placed sums to what is generated.

The kernel works on plain arrays; :func:`building_generation_reference` is its slow twin.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from twin.waste.streams import RESIDUAL


@njit(cache=True)
def building_generation(residents, jobs, resident_kg, job_kg, factor, noise, compliance, missort):
    """Placed and contaminant mass (kg, float) per building and stream for one day.

    Args:
        residents, jobs: (n_buildings,) counts.
        resident_kg, job_kg: (n_streams,) kg per resident / job and day (true material).
        factor: weekday factor for the day.
        noise: (n_buildings, n_streams) multiplicative noise, mean 1.
        compliance: share of sorted material put into the right bin, 0..1.
        missort: share of non-compliant residual material thrown into sorted bins, 0..1.

    Returns:
        placed (n_buildings, n_streams) kg put into each stream's bin, and wrong (same shape)
        kg of it that belongs to another stream.
    """
    n, k = noise.shape
    placed = np.zeros((n, k))
    wrong = np.zeros((n, k))
    true = np.empty(k)
    for b in range(n):
        sorted_total = 0.0
        for s in range(k):
            true[s] = (residents[b] * resident_kg[s] + jobs[b] * job_kg[s]) * factor * noise[b, s]
            if s != RESIDUAL:
                sorted_total += true[s]
        thrown = (1.0 - compliance) * missort * true[RESIDUAL]
        for s in range(k):
            if s == RESIDUAL:
                continue
            share = true[s] / sorted_total if sorted_total > 0.0 else 0.0
            placed[b, s] = compliance * true[s] + thrown * share
            wrong[b, s] = thrown * share
        if sorted_total <= 0.0:
            thrown = 0.0
        placed[b, RESIDUAL] = true[RESIDUAL] - thrown + (1.0 - compliance) * sorted_total
        wrong[b, RESIDUAL] = (1.0 - compliance) * sorted_total
    return placed, wrong


def building_generation_reference(
    residents, jobs, resident_kg, job_kg, factor, noise, compliance, missort
) -> tuple[np.ndarray, np.ndarray]:
    """Slow, obviously-correct twin of :func:`building_generation` (numpy, for the tests)."""
    true = (np.outer(residents, resident_kg) + np.outer(jobs, job_kg)) * factor * noise
    sorted_cols = [s for s in range(true.shape[1]) if s != RESIDUAL]
    sorted_total = true[:, sorted_cols].sum(axis=1)
    has_sorted = sorted_total > 0
    thrown = np.where(has_sorted, (1 - compliance) * missort * true[:, RESIDUAL], 0.0)
    placed = np.zeros_like(true)
    wrong = np.zeros_like(true)
    for s in sorted_cols:
        share = np.divide(true[:, s], sorted_total, out=np.zeros_like(sorted_total), where=has_sorted)
        placed[:, s] = compliance * true[:, s] + thrown * share
        wrong[:, s] = thrown * share
    placed[:, RESIDUAL] = true[:, RESIDUAL] - thrown + (1 - compliance) * sorted_total
    wrong[:, RESIDUAL] = (1 - compliance) * sorted_total
    return placed, wrong


@njit(cache=True)
def sum_into_bins(building_bin, placed, n_bins):
    """Add each building's placed kg to its bin of each stream: (n_bins,) kg.

    ``building_bin[b, s]`` is the bin that building ``b`` uses for stream ``s``.
    """
    out = np.zeros(n_bins)
    n, k = placed.shape
    for b in range(n):
        for s in range(k):
            out[building_bin[b, s]] += placed[b, s]
    return out
