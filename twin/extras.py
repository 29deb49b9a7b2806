"""Optional extras: import a package only an extra installs, or say in one line how to get it.

The extras are declared in pyproject.toml: ``osm`` (pyrosm, osmium, pyproj, shapely, geopandas)
for ``twin city import`` and projected exports, ``html`` (trame) for ``twin view --html``, ``peers``
(uxsim, eclipse-sumo, aequilibrae) for the peer benchmarks. Every import of one of them goes through
:func:`require_extra`, so a missing extra is a :class:`~twin.errors.TwinInputError` (the CLI prints
one line and exits 2), never a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from twin.errors import TwinInputError


def require_extra(module: str, extra: str, command: str) -> ModuleType:
    """Import and return ``module`` (dotted name), which the ``extra`` of pyproject.toml installs.

    ``command`` names what needs it, as the user called it (``"twin city import"``). A module that
    is not installed, or that is installed but cannot load (a system library missing), raises a
    one-line :class:`TwinInputError` naming the command, the extra and how to install it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError):
            why = f"module '{exc.name or module}' is not installed"
        else:
            why = f"module '{module}' does not load: {' '.join(str(exc).split())}"
        raise TwinInputError(
            f"{command} needs the '{extra}' extra ({why}): pip install -e '.[{extra}]' "
            f"(or run ./scripts/setup.sh)") from None
