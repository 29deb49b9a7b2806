"""Lazy package attributes (PEP 562): a package's public names load on first use.

A package lists, per submodule, the public names it re-exports; :func:`export_lazily` installs a
module-level ``__getattr__`` and ``__dir__`` that import the submodule the first time one of its
names is read. ``from twin.traffic import assign`` still works; only ``twin --help`` and
``twin validate`` stop paying for numba, pandas and mesa they do not use.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterable, Mapping


class LazyPackage(types.ModuleType):
    """A package whose public names load on first use (see :func:`export_lazily`).

    Importing a submodule binds it on its package under the submodule's name. Where that name is
    also a public object of the package (``twin.scenario.run`` is a file and the function in it),
    the object wins, as it did when packages imported their names eagerly.
    """

    def __setattr__(self, name: str, value: object) -> None:
        sources: dict[str, str] = self.__dict__.get("_lazy_sources", {})
        if isinstance(value, types.ModuleType) and name in sources:
            if sources[name] != value.__name__:
                return  # an unrelated submodule of the same name must not hide the public object
            value = getattr(value, name)
        super().__setattr__(name, value)


def export_lazily(package: str, names: Mapping[str, Iterable[str]],
                  submodules: Iterable[str] = ()) -> None:
    """Make ``package`` load each of ``names[submodule]`` from ``submodule`` on first use.

    ``submodules`` are subpackages exported as themselves (``twin.sweep``). The package's
    ``__all__`` stays the list its file declares.
    """
    module = sys.modules[package]
    sources = {name: source for source, members in names.items() for name in members}
    whole = {name: f"{package}.{name}" for name in submodules}

    def __getattr__(name: str) -> object:
        if name in whole:
            value = importlib.import_module(whole[name])
        elif name in sources:
            value = getattr(importlib.import_module(sources[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(sources) | set(whole))

    if type(module) is types.ModuleType:
        module.__class__ = LazyPackage
    module._lazy_sources = sources  # type: ignore[attr-defined]
    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
