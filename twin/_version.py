"""The installed distribution's version, read on first use (importlib.metadata costs ~50 ms)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("citytwin")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
