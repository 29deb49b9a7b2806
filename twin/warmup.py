"""numba kernels compiled before a command's timed part, announced when the cache is cold.

Each command that calls numba kernels names a warm-up here: a function that runs its kernels on
tiny inputs through the same code paths (so the compiled signatures are the ones the real run
needs) and the kernels it compiles. :func:`warm_up` prints ``twin: compiling kernels, once: about
N s`` on stderr when numba's cache holds none of them yet, then runs the warm-up; later commands
load the compiled code from the cache (``NUMBA_CACHE_DIR`` if set, else ``__pycache__`` beside
the sources). ``twin warmup`` fills the cache for every command.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import time


@dataclasses.dataclass(frozen=True)
class Warmup:
    """How to compile one command's kernels.

    Attributes:
        run: ``"package.module:function"`` that runs the kernels on tiny inputs (returns seconds).
        kernels: the numba dispatchers it calls from Python, ``"package.module:name"`` (kernels
            that only other kernels call are compiled into their callers' cached code).
        seconds: compile time with a cold cache on 2 cores, seconds (the announced estimate).
    """

    run: str
    kernels: tuple[str, ...]
    seconds: float


_ASSIGN = ("twin.kernels.shortest_path:many_to_many", "twin.traffic.assignment:line_search",
           "twin.traffic.assignment:load_blocks", "twin.traffic.assignment:load_origins",
           "twin.traffic.bpr:beckmann", "twin.traffic.bpr:bpr_cost", "twin.traffic.bpr:bpr_derivative",
           "twin.traffic.bpr:bpr_time")
_SIMULATE = ("twin.kernels.components:strong_components",
             "twin.kernels.shortest_path:trees_to_targets",
             "twin.kernels.shortest_path:trees_to_targets_serial",
             "twin.traffic.loading_kernel:queued_vehicles", "twin.traffic.loading_kernel:run_steps",
             "twin.traffic.routing:extract_paths")
_RUN = ("twin.kernels.components:strong_components",
        "twin.kernels.shortest_path:many_to_many", "twin.kernels.shortest_path:nearest_source",
        "twin.kernels.shortest_path:point_to_point",
        "twin.kernels.shortest_path:trees_to_targets", "twin.kernels.shortest_path:trees_to_targets_serial",
        "twin.migration.choice:choose_zones", "twin.migration.choice:uniforms",
        "twin.migration.flows:household_events", "twin.migration.flows:move_probabilities",
        "twin.traffic.loading_kernel:queued_vehicles",
        "twin.traffic.loading_kernel:run_steps", "twin.waste.bins:deposit",
        "twin.waste.generation:building_generation", "twin.waste.generation:sum_into_bins")

WARMUPS: dict[str, Warmup] = {
    "traffic assign": Warmup("twin.traffic.assignment:warm_up", _ASSIGN, 12.0),
    "traffic simulate": Warmup("twin.traffic.loading:warm_up", _SIMULATE, 10.0),
    "run": Warmup("twin.scenario.run:warm_up", _RUN, 25.0),
    "emergency": Warmup("twin.emergency.travel:warm_up", ("twin.kernels.components:strong_components",
                                                          "twin.kernels.shortest_path:many_to_many"), 3.0),
}
"""The warm-up of each command that calls numba kernels (``run`` also serves sweeps;
``emergency``, the emergency module's travel-time trees, serves ``twin emergency ...``)."""


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def is_cached(kernel: str) -> bool:
    """Whether numba's cache holds compiled code of ``kernel`` ("package.module:name") for this
    machine and the kernel's current source (any signature).

    Reads the cache index numba itself consults: stale (source changed), foreign (another CPU or
    numba version) or missing entries count as not cached.
    """
    dispatcher = _resolve(kernel)
    cache = getattr(dispatcher, "_cache", None)  # numba's FunctionCache; cache=True kernels only
    if cache is None:  # NUMBA_DISABLE_JIT: plain Python, nothing to compile
        return True
    index = cache._cache_file._load_index()  # {} when absent or stale
    key = cache._index_key(None, dispatcher.targetctx.codegen())  # (signature, machine, code hash)
    return any(entry[1:] == key[1:] for entry in index)


def cold_kernels(command: str) -> list[str]:
    """The kernels of ``command`` that numba's cache does not hold yet."""
    return [kernel for kernel in WARMUPS[command].kernels if not is_cached(kernel)]


def warm_up(command: str, *, when_cold_only: bool = False, **options: object) -> float:
    """Compile (or load from the cache) the kernels of ``command``; returns the seconds taken.

    A cold cache is announced on stderr first and every kernel of the command is compiled (so
    that later variants of it find them too). With a warm cache, ``options`` (the run's
    algorithm, route choice ...) go to the warm-up function, which then loads only the kernels
    that run uses; with ``when_cold_only``, a warm cache skips the warm-up (for long commands,
    where loading cached code on first use costs little).
    """
    spec = WARMUPS[command]
    if cold_kernels(command):
        print(f"twin: compiling kernels, once: about {spec.seconds:.0f} s", file=sys.stderr, flush=True)
        options = {}
    elif when_cold_only:
        return 0.0
    start = time.perf_counter()
    _resolve(spec.run)(**options)
    return time.perf_counter() - start


def warm_up_all() -> int:
    """``twin warmup``: fill numba's cache for every command, one progress line each."""
    total = time.perf_counter()
    for command, spec in WARMUPS.items():
        state = f"compiling, about {spec.seconds:.0f} s" if cold_kernels(command) else "in the cache"
        print(f"twin warmup: {command:<17} ({state}) ...", end="", flush=True)
        start = time.perf_counter()
        _resolve(spec.run)()
        print(f" {time.perf_counter() - start:.1f} s", flush=True)
    print(f"twin warmup: done in {time.perf_counter() - total:.1f} s; the cache is filled")
    return 0
