"""The engine: TwinModel (a mesa.Model owning the SimPy clock), the Module protocol, clock helpers."""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.engine.clock": ("ticker", "timed"),
    "twin.engine.model": ("SECONDS_PER_DAY", "TwinModel", "stream_key"),
    "twin.engine.module": ("Module",),
    "twin.engine.published": ("NotPublished", "Published"),
})

__all__ = [
    "SECONDS_PER_DAY", "Module", "NotPublished", "Published", "TwinModel", "stream_key", "ticker", "timed",
]
