"""The calibration interface: what a domain fitter gets (:class:`CalibrationContext`) and returns.

``twin calibrate`` (:mod:`twin.observations.calibrate`) reads the observations, splits a hold-out
share off by observation key (:func:`split_holdout`), and runs the fitter of each domain whose
observation kinds are present (:data:`FITTERS`). A fitter sees only the training rows in its
objective; it reports its figures on the held-out rows apart (:attr:`DomainFit.holdout`).

Every simulation a fitter needs runs through :meth:`CalibrationContext.evaluate`: a list of
candidate scenarios (dotted-key overrides of the input scenario) becomes one sweep folder in the
calibration's work folder, run on the chosen executor (serially, on local Dask workers, or on a
Dask scheduler), resumable: the same calibration started again finds its finished runs there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from twin.observations.read import Reference


@dataclasses.dataclass(frozen=True)
class Fitted:
    """One fitted scenario key."""

    key: str
    """Dotted scenario key, e.g. ``"emergency.rate_scale"``."""
    value: Any
    """The fitted value, TOML-serialisable (a number, a list of numbers, a table of numbers)."""
    prior: Any
    """The value in the input scenario."""
    source: str
    """Which observation kind(s) and how many rows, e.g. ``"counts: 1,920 rows (40 links)"``."""
    fit: dict[str, float]
    """Goodness-of-fit figures on the training rows, e.g. ``{"geh5_share": 0.91}``."""


@dataclasses.dataclass(frozen=True)
class DomainFit:
    """What one domain's fitter found."""

    domain: str
    fitted: tuple[Fitted, ...]
    kept: tuple[str, ...]
    """``"key: why the prior was kept"`` for each key it could not identify (too few observations ...)."""
    holdout: dict[str, float]
    """The same figures as :attr:`Fitted.fit` on the held-out rows (empty when nothing was held out)."""
    figures: tuple[Path, ...]
    """Plots written for the report (observed vs modelled ...), under :attr:`CalibrationContext.figures`."""
    notes: tuple[str, ...] = ()
    """Other lines for the report (the method, what is not observable yet ...)."""


REPLICATE_KEY = "scenario.replicate"
"""A candidate's key for its run's replicate number (default 0: the scenario's own draws; another
number draws the scenario's randomness afresh, for a fitter checking that an improvement it
found among runs with common random numbers replicates)."""

REPLICATION_RUNS = 2
"""Runs of a replication check: the prior and the fitted value again on a fresh draw (replicate 1).
The F test on the runs a fit chose among is optimistic where the simulation's response is noisy
(the best of several noisy runs looks better than it is): on a congested Hezhou, runs 20 % apart in
one small district's demand differ by 3 % of the counted vehicles. A fitted value is kept only
when it beats the prior on the fresh draw too."""


@dataclasses.dataclass
class CalibrationContext:
    """What a fitter may use besides the observations.

    ``evaluate(candidates, tables)`` runs each candidate (a dict of dotted-key overrides of the
    input scenario, e.g. ``{"traffic.trip_rate": 0.6}``) once with the scenario's seed (common
    random numbers: candidates differ only by their keys) and returns, for each, the folder
    holding the run tables named in ``tables`` (``link_timeseries.parquet``, ``incidents.parquet``
    ... as a run folder's timeseries/ and state/ hold them); :meth:`table` reads one (in the
    observations' time frame, the warm-up days left out: :meth:`Reference.recorded`). A run
    that fails raises :class:`~twin.errors.TwinInputError` with its message.
    """

    scenario: dict[str, Any]
    """The input scenario, resolved (``extends`` merged), as plain data."""
    scenario_file: Path
    folder: Path
    """The input scenario's folder."""
    reference: Reference
    """The city's ids and the simulated period (what the observations were checked against)."""
    evaluate: Callable[[Sequence[Mapping[str, Any]], Sequence[str]], list[Path]]
    rng: np.random.Generator
    """Seeded from ``--seed`` (one stream per domain)."""
    budget: int
    """Simulation runs this domain may spend (``--budget``)."""
    figures: Path
    """Folder for the report's plots (exists)."""
    progress: Callable[[str], None]
    """Report a step (one line) to the user."""
    held_keys: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)
    """The held-out keys of each kind (:func:`split_holdout`), with those that have no rows."""

    def table(self, run: Path, name: str) -> pd.DataFrame:
        """The table ``name`` (``"link_timeseries"`` ...) of a run returned by :attr:`evaluate`, its
        times counted from the start of the recorded period like the observations'."""
        from twin.errors import TwinInputError
        from twin.reading import read_table

        path = Path(run) / f"{name}.parquet"
        if not path.is_file():
            raise TwinInputError(f"{run}: the run wrote no {name} table (its module is off?)")
        table = read_table(path, what="calibration run table",
                           remedy=f"delete the folder {Path(run).parent.parent} and calibrate again")
        return self.reference.recorded(name, table)

    def value(self, key: str) -> Any:
        """The input scenario's value of the dotted ``key`` (None when not set)."""
        node: Any = self.scenario
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


class Fitter(Protocol):
    """A domain's calibration: the observation kinds it reads and its fit."""

    domain: str
    kinds: tuple[str, ...]
    """Observation kinds it reads; it runs when any of them is present."""

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit: ...


FITTERS: dict[str, str] = {
    "traffic": "twin.observations.fit_traffic:TrafficFitter",
    "emergency": "twin.observations.fit_emergency:EmergencyFitter",
    "waste": "twin.observations.fit_waste:WasteFitter",
    "migration": "twin.observations.fit_migration:MigrationFitter",
}
"""The fitter of each domain, as ``module:class`` (imported only when its domain runs)."""


def load_fitter(domain: str) -> Fitter:
    """A new fitter of ``domain`` (one of :data:`FITTERS`)."""
    module, _, name = FITTERS[domain].partition(":")
    return getattr(importlib.import_module(module), name)()


HOLDOUT_KEYS: dict[str, str] = {"counts": "link", "travel_times": "origin", "incidents": "zone",
                                "waste_fill": "bin", "weighbridge": "day", "population": "zone"}
"""The column a hold-out is drawn by, per kind: a whole detector, zone, bin or day is held out."""


def split_holdout(observed: Mapping[str, pd.DataFrame], fraction: float, rng: np.random.Generator,
                  universe: Mapping[str, Sequence[Any]] | None = None
                  ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """(training rows, held-out rows, held-out keys) of each kind: ``fraction`` of each kind's keys
    (:data:`HOLDOUT_KEYS`) and all their rows are held out (rounded; none of a kind with a single
    key). Deterministic for a seeded ``rng``; kinds are drawn in :data:`HOLDOUT_KEYS` order.

    ``universe`` gives, for a kind whose keys can be observed without a row, every key there is
    (the city's zones for incidents: a zone with no calls observed zero calls). The keys are then
    drawn from it, not from the rows: drawn from the rows, only zones with calls could be held out,
    and the training zones would keep every zone without a call, so a rate fitted to them (calls
    over exposure) would be biased low. The held-out keys returned include keys without rows.
    """
    train: dict[str, pd.DataFrame] = {}
    held: dict[str, pd.DataFrame] = {}
    held_keys: dict[str, np.ndarray] = {}
    for kind in HOLDOUT_KEYS:
        if kind not in observed:
            continue
        table = observed[kind]
        column = table[HOLDOUT_KEYS[kind]]
        every = (universe or {}).get(kind)
        keys = np.sort(column.dropna().unique()) if every is None else np.unique(np.asarray(every, object))
        k = int(round(fraction * len(keys))) if len(keys) > 1 else 0
        chosen = rng.choice(keys, size=min(k, len(keys) - 1), replace=False) if k else keys[:0]
        out = column.isin(chosen).to_numpy()
        train[kind] = table[~out].reset_index(drop=True)
        held[kind] = table[out].reset_index(drop=True)
        held_keys[kind] = np.sort(chosen)
    return train, held, held_keys


def digest(*parts: Any) -> str:
    """sha256 of plain data (JSON, keys sorted): identifies a set of evaluations for resuming."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def save_figure(fig, path: Path) -> Path:
    """Write a matplotlib figure as PNG to ``path`` (atomically, the user's umask) and close it."""
    import matplotlib.pyplot as plt

    from twin.writing import atomic_file, output_errors

    try:
        with output_errors(path), atomic_file(path) as tmp:
            fig.savefig(tmp, dpi=100, bbox_inches="tight", format="png")
    finally:
        plt.close(fig)
    return path


ALPHA = 0.05
"""Level of the significance tests a fitted key must pass against its prior (traffic's district
factors, migration's ``beta_stay``, waste's district factors): the prior is kept unless the fit
beats it by more than the observations' and the simulation's own noise."""


def f_test(stat: float, p: int, dof: int) -> tuple[bool, str]:
    """The F statistic ``stat`` on (``p``, ``dof``) degrees of freedom: significant at :data:`ALPHA`
    (read when called), and a line saying so."""
    from scipy.stats import f

    pvalue = float(f.sf(stat, p, dof))
    word = "below" if pvalue < ALPHA else "not below"
    return pvalue < ALPHA, (f"F test against the prior: F = {stat:.3g} on ({p}, {dof}) degrees of freedom, "
                            f"p = {pvalue:.2g} ({word} {ALPHA:g})")


def significant(z_prior: float, z_fit: float, p: int, n: int) -> tuple[bool, str]:
    """The extra-sum-of-squares F test of ``p`` fitted parameters over ``n`` residuals (``z``: half
    their sum of squares at the prior and at the fit; normalised residuals, dimensionless):
    :func:`f_test` of ``((z_prior - z_fit) / p) / (z_fit / (n - p))``."""
    if n <= p or z_fit <= 0:
        return False, f"F test: {n} residuals for {p} parameters"
    return f_test(((z_prior - z_fit) / p) / (z_fit / (n - p)), p, n - p)


def replicated_line(first: str, again: str) -> str:
    """The report's line of a fit that passed :func:`significant` (``first``) and passed it again
    on a fresh draw (``again``, an "F test against the prior: ..." line)."""
    return f"{first}; on a fresh draw (replicate 1): {again.removeprefix('F test against the prior: ')}"
