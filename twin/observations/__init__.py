"""Observed data: file formats per kind, validating readers, and synthetic observations of a run.

- :mod:`~twin.observations.formats`: the columns, units and keys of each kind (docs/observations.md);
- :mod:`~twin.observations.read`: :func:`read_observations` checks a folder of observation files
  against a :class:`Reference` (a run folder's or a scenario's city and period) and returns one
  tidy DataFrame per kind, keyed by the ids ``twin city export`` writes;
- :mod:`~twin.observations.observe`: :func:`observe` samples observations of each kind from a run.
"""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.observations.formats": ("FORMATS",),
    "twin.observations.read": ("Reference", "read_kind", "read_observations", "reference_of"),
    "twin.observations.observe": ("observe",),
})

__all__ = ["FORMATS", "Reference", "observe", "read_kind", "read_observations", "reference_of"]
