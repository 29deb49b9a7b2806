"""``twin calibrate``'s defaults and domains, without heavy imports (the CLI parser reads them)."""

from __future__ import annotations

DEFAULT_BUDGET = 16
"""Simulation runs each domain's fit may spend when ``--budget`` is not given."""

DEFAULT_HOLDOUT = 0.2
"""Share of each kind's observation keys held out when ``--holdout`` is not given."""

FITTER_KINDS: dict[str, tuple[str, ...]] = {
    "traffic": ("counts", "travel_times"), "emergency": ("incidents",),
    "waste": ("waste_fill", "weighbridge"), "migration": ("population",),
}
"""The observation kinds of each domain (the kinds of its fitter,
:data:`twin.observations.fit.FITTERS`), so a domain without observations is skipped without
importing its fitter."""
