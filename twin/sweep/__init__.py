"""Policy sweeps: levers x uncertainties x replicates, locally or on Dask, resumable; comparison
and analysis of the results.

The folder's design, one idea per file: ``spec`` (sweep TOML validated with :mod:`twin.config`),
``design`` (full factorial, Latin hypercube, Sobol, Saltelli, Morris), ``executor`` (one run as a
worker sees it; serial and Dask executors), ``store`` (one atomic file per run, consolidation to
results.parquet), ``runner`` (:func:`sweep`), ``compare`` (paired differences with confidence
intervals), ``experiment`` (policies against their parent, common random numbers, effects with
signal-to-noise flags), ``analyze`` (Sobol/Morris indices, regret, PRIM), ``report`` (Markdown or
HTML with plots) and ``cli`` (``twin sweep | experiment | compare | analyze``).
"""

import sys

from twin._lazy import LazyPackage, export_lazily

export_lazily(__name__, {
    "twin.sweep.analyze": ("Analysis", "analyze"),
    "twin.sweep.compare": ("Comparison", "compare"),
    "twin.sweep.design": ("Design", "make_design"),
    "twin.sweep.experiment": ("Experiment", "experiment", "load_experiment"),
    "twin.sweep.runner": ("sweep",),
    "twin.sweep.spec": ("SweepSpec", "Variable", "is_sweep_file", "load_sweep", "sweep_from_dict"),
    "twin.sweep.store": ("SweepStore",),
})

__all__ = [
    "Analysis",
    "Comparison",
    "analyze",
    "compare",
    "experiment",
    "Design",
    "Experiment",
    "SweepSpec",
    "SweepStore",
    "Variable",
    "is_sweep_file",
    "load_experiment",
    "load_sweep",
    "make_design",
    "sweep",
    "sweep_from_dict",
]


class _CallableModule(LazyPackage):
    """Makes ``twin.sweep(...)`` run :func:`sweep` while ``twin.sweep`` stays this package."""

    def __call__(self, *args, **kwargs):
        from twin.sweep.runner import sweep

        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
