"""The engine: TwinModel (a mesa.Model owning the SimPy clock), the Module protocol, clock helpers."""

from twin.engine.clock import ticker, timed
from twin.engine.model import SECONDS_PER_DAY, TwinModel, stream_key
from twin.engine.module import Module
from twin.engine.published import Published

__all__ = ["SECONDS_PER_DAY", "Module", "Published", "TwinModel", "stream_key", "ticker", "timed"]
