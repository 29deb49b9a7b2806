"""View layers by name: the four built in and those plug-ins add with :func:`register_layer`.

Light on purpose (no numpy, pandas or pyvista): a plug-in registers its layer when it is imported,
which ``twin validate`` does too (:mod:`twin.plugins`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twin.errors import TwinInputError
from twin.registry import target_name

LayerTarget = Callable[..., Any] | str
"""A function, or the ``"package.module:function"`` string naming it (imported on first use)."""

LAYERS: dict[str, LayerTarget] = {
    "traffic": "viz.layers:traffic_view",
    "emergency": "viz.layers:emergency_view",
    "waste": "viz.layers:waste_view",
    "population": "viz.layers:population_view",
}
"""The view function of each layer name accepted by ``twin view --layer`` (built-ins first)."""

FRAME_TIMES: dict[str, LayerTarget] = {}
"""Plug-in layers that can be animated: the function giving their frame times."""


def register_layer(name: str, fn: LayerTarget, *, times: LayerTarget | None = None) -> None:
    """Make ``twin view --layer NAME`` (and :func:`viz.layer_view`) draw ``fn``'s view.

    Args:
        name: the layer name (letters, digits, ``_`` or ``-``).
        fn: ``fn(run: viz.RunTables, *, time_s: float | None, year: int | None) -> viz.LayerView``:
            the view of the run at ``time_s`` seconds into the operating period of ``year``
            (None: the end of the run; the last year). Read tables with ``run.table(name, kind,
            table, columns)``, which names the run and layer when one is missing. Or the
            ``"package.module:function"`` string naming it, imported when the layer is drawn.
        times: for ``--mp4``: ``times(run, *, year: int | None) -> numpy array`` of the seconds
            each frame shows (or its string); without it the layer makes pictures only.

    Registering the same function again is a no-op; a name taken by another function, or a bad
    name, is a :class:`~twin.errors.TwinInputError` (one line).
    """
    if not isinstance(name, str) or not name.replace("_", "a").replace("-", "a").isalnum():
        raise TwinInputError(f"register_layer: layer name {name!r}: expected letters, digits, _ or -")
    if name in LAYERS:
        same_times = target_name(FRAME_TIMES.get(name) or "") == target_name(times or "")
        if target_name(LAYERS[name]) == target_name(fn) and same_times:
            return
        raise TwinInputError(f"register_layer: layer {name!r} is already registered to "
                             f"{target_name(LAYERS[name])}; pick another layer name")
    LAYERS[name] = fn
    if times is not None:
        FRAME_TIMES[name] = times

