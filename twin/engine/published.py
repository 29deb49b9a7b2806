"""Published state: how modules couple through shared arrays instead of copies.

A module publishes a named array (with its unit) and others read the latest value. The names in
use, with shape, unit, publisher, when each is written and whether it persists across years, are
the table "Published state" of docs/architecture.md (a test runs every module and checks it);
:data:`PUBLISHERS` is that table's publisher column. A plug-in module that publishes names of its
own lists them in its class's ``publishes``, so a reader asking too early learns who writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from twin.errors import TwinInputError

PUBLISHERS: dict[str, str] = {
    "link_travel_time_s": "traffic",
    "link_flow_vph": "traffic",
    "link_speed_kmh": "traffic",
    "zone_travel_time_s": "traffic",
    "link_extra_vehicles": "waste",
    "link_speed_factor": "emergency",
    "zone_population": "migration",
    "zone_jobs": "migration",
}
"""The module that publishes each name of the built-in modules (docs/architecture.md has the table)."""

_MISSING = object()


class NotPublished(TwinInputError, LookupError):
    """A name read with :meth:`Published.get` and no default before anyone published it.

    A :class:`~twin.errors.TwinInputError`: when the publisher is switched off, the scenario is
    what the user fixes (``twin`` prints the one line and exits with 2).
    """


@dataclass(frozen=True)
class PublishedArray:
    value: np.ndarray
    unit: str
    publisher: str


class Published:
    """A small board of named arrays; the latest publish wins.

    Args:
        modules: the modules switched on in this run, by name, with the names each declares in
            its ``publishes`` (beyond :data:`PUBLISHERS`); used only to explain a missing name.
    """

    def __init__(self, modules: Mapping[str, Sequence[str]] | None = None) -> None:
        self._items: dict[str, PublishedArray] = {}
        self.modules_on = dict(modules or {})
        self.publishers = dict(PUBLISHERS)
        for module, names in self.modules_on.items():
            self.publishers.update(dict.fromkeys(names, module))

    def publish(self, name: str, value: np.ndarray, unit: str, publisher: str) -> None:
        """Make ``value`` (in ``unit``) the latest ``name``; ``publisher`` is the module's name."""
        self._items[name] = PublishedArray(value, unit, publisher)

    def get(self, name: str, default: object = _MISSING) -> np.ndarray | None:
        """The latest value of ``name``; ``default`` when nobody has published it yet.

        Raises:
            NotPublished: ``name`` is missing and no default was given; the message says which
                module publishes it and whether that module is switched on in this run.
        """
        item = self._items.get(name)
        if item is not None:
            return item.value
        if default is _MISSING:
            raise NotPublished(self.missing(name))
        return default  # type: ignore[return-value]

    def item(self, name: str) -> PublishedArray:
        """The latest value of ``name`` with its unit and publisher (:class:`NotPublished` if none)."""
        if name not in self._items:
            raise NotPublished(self.missing(name))
        return self._items[name]

    def missing(self, name: str) -> str:
        """One line on why ``name`` is not published: its publisher, and whether it is on."""
        publisher = self.publishers.get(name)
        if publisher is None:
            return (f"nothing publishes {name!r}: no module declares it (published now: "
                    f"{', '.join(self.names()) or 'nothing'}; docs/architecture.md lists the names)")
        if publisher not in self.modules_on:
            return (f"{name!r} is published by module {publisher!r}, which is not switched on in this "
                    f"run (add a [{publisher}] section); pass a default to read it optionally")
        return (f"{name!r} is not published yet: module {publisher!r} (switched on) writes it later "
                "(docs/architecture.md, Published state, says when)")

    def __contains__(self, name: str) -> bool:
        return name in self._items

    def names(self) -> list[str]:
        return sorted(self._items)
