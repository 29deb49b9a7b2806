"""Run a scenario: build the city and modules, step the years, write the run folder atomically."""

from __future__ import annotations

import contextlib
import json
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import twin
from twin.city import City, load_city
from twin.engine import TwinModel
from twin.errors import TwinInputError
from twin.indicators import indicator_table, load_system
from twin.indicators.system import effective_bounds
from twin.registry import module_classes
from twin.scenario.spec import Scenario, load_scenario, scenario_from_dict
from twin.scenario.store import RunResult, sha256_file, write_table
from twin.writing import FolderBusy, atomic_folder, output_errors


def default_out(scenario: Scenario, seed: int) -> Path:
    """runs/<name>-seed<seed>, with -2, -3 ... appended when taken or being written (never overwrites)."""
    base = Path("runs") / f"{scenario.name}-seed{seed}"
    out, k = base, 1
    while out.exists() or out.with_name(f".{out.name}.twin-lock").exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out


def simulate(scenario: Scenario, *, seed: int | None = None, progress: bool = False,
             ready: Callable[[], float] | None = None):
    """Run the model in memory; returns (model, indicator table, timeseries, state, timings).

    ``ready`` is called once the city is loaded and the modules' settings are checked, before the
    model is built (the CLI compiles the kernels there, after bad input had its chance to fail);
    the seconds it returns are ``timings["compile"]``.
    """
    run = scenario.scenario
    seed = run.seed if seed is None else seed
    timings: dict[str, float] = {}
    start = time.perf_counter()
    city = load_city(run.city, scenario.file_of("scenario.city"))  # relative to the file that names it
    timings["city"] = time.perf_counter() - start
    classes = module_classes()
    modules = [classes[name](config) for name, config in scenario.modules.items()]
    modules.sort(key=lambda m: list(classes).index(m.name))
    if ready is not None:
        timings["compile"] = ready()
    model = TwinModel(city, modules, seed=seed, replicate=run.replicate, start_year=run.start_year,
                      horizon_years=run.horizon_years, period_days=run.period_days,
                      warmup_days=run.warmup_days,
                      progress=progress)
    try:
        model.run_years(scenario.indicators.weights, scenario.indicators.bounds)
    except TwinInputError as exc:  # a module found bad input (a lever naming no zone ...): say which file
        if not str(exc).startswith(scenario.source):
            raise type(exc)(f"{scenario.source}: {exc}") from None
        raise
    timings.update(model.timings)
    table = indicator_table(model.indicator_rows, effective_bounds(load_system(), scenario.indicators.bounds))
    timeseries, state = {}, {}
    for module in modules:
        if scenario.output.timeseries:
            timeseries.update(module.timeseries())
        state.update(module.snapshot())
    return model, table, timeseries, state, timings


WARM_UP_SCENARIO = {
    "scenario": {"name": "warm-up", "city": "testville", "period_days": 0.1},
    "access": {}, "migration": {}, "traffic": {}, "emergency": {"rate_scale": 10.0},
    "waste": {"policy": "sensor", "shift_start_h": 1.0, "route_iterations": 5},
}
"""Every module on the test city for 2.4 simulated hours: the kernels a run calls, on small inputs."""


def warm_up() -> float:
    """Compile (or load from numba's cache) every kernel of :func:`simulate`; returns the seconds taken.

    The test city's route tables are one thread's work; a real city's run on all threads, so
    the traffic warm-up builds those too.
    """
    from twin.traffic.loading import warm_up as traffic_warm_up

    start = time.perf_counter()
    with warnings.catch_warnings():  # 2.4 hours of a test city: its KPIs' warnings mean nothing
        warnings.simplefilter("ignore")
        simulate(scenario_from_dict(WARM_UP_SCENARIO, source="warm-up"))
    traffic_warm_up(route_choices=(), parallel_tables=True)
    return time.perf_counter() - start


def run(
    scenario: Scenario | str | Path,
    out: str | Path | None = None,
    *,
    force: bool = False,
    seed: int | None = None,
    progress: bool = False,
    picture: bool | None = None,
    ready: Callable[[], float] | None = None,
) -> RunResult:
    """Run a scenario and write its run folder; returns the :class:`RunResult`.

    ``out`` defaults to runs/<name>-seed<seed>. An existing ``out`` is refused unless ``force``.
    Nothing is written unless the whole run succeeds. ``ready``: see :func:`simulate`.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    seed = scenario.scenario.seed if seed is None else int(seed)
    if seed < 0:
        raise TwinInputError(f"--seed must be >= 0, got {seed}")
    if seed != scenario.scenario.seed:
        scenario = scenario.with_overrides({"scenario.seed": seed})
    chosen = out is None
    out = default_out(scenario, seed) if chosen else Path(out)
    source = Path(scenario.source)
    protect = [source] if source.is_file() else []
    with contextlib.ExitStack() as stack:
        while True:  # the claim comes first, before simulating
            try:
                tmp = stack.enter_context(atomic_folder(out, force=force, what="twin run", protect=protect))
                break
            except FolderBusy:
                if not chosen:
                    raise
                out = default_out(scenario, seed)  # a run started at the same time took that name
        wall = time.perf_counter()
        model, table, timeseries, state, timings = simulate(scenario, progress=progress, ready=ready)
        manifest = _write_run(tmp, out, scenario, model, table, timeseries, state, timings, wall,
                              picture)
    return RunResult(out, table, timeseries, state, manifest)


def _write_run(tmp: Path, out: Path, scenario: Scenario, model: TwinModel, table: pd.DataFrame,
               timeseries: dict[str, pd.DataFrame], state: dict[str, pd.DataFrame],
               timings: dict[str, float], wall: float, picture: bool | None) -> dict:
    """Write the run's tables, picture and manifest into ``tmp`` (OSErrors become one line).

    ``wall`` is the run's start (time.perf_counter, seconds); returns the manifest.
    """
    with output_errors(out):
        write_table(table, tmp / "indicators.parquet")
        table.to_csv(tmp / "indicators.csv", index=False, float_format="%.10g")
        for name, frame in timeseries.items():
            write_table(frame, tmp / "timeseries" / f"{name}.parquet")
        for name, frame in state.items():
            write_table(frame, tmp / "state" / f"{name}.parquet")
        outputs = {
            str(p.relative_to(tmp)): sha256_file(p)
            for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        notes = []
        if scenario.output.picture if picture is None else picture:
            start = time.perf_counter()
            try:
                from viz import render_run_picture

                render_run_picture(model.city, tmp / "city.png", title=scenario.name,
                                   state=state)
            except Exception as exc:  # a picture must never cost the user the run
                notes.append(f"picture not rendered: {type(exc).__name__}: {exc}")
                warnings.warn(notes[-1], stacklevel=2)
            timings["picture"] = time.perf_counter() - start
        timings["total"] = time.perf_counter() - wall
        manifest = {
            "twin_version": twin.__version__,
            "scenario": scenario.to_dict(),
            "scenario_file": scenario.source,
            "scenario_files": [{"path": f, "sha256": sha256_file(Path(f))}
                               for f in scenario.files if Path(f).is_file()],
            "seed": scenario.scenario.seed,
            "replicate": scenario.scenario.replicate,
            "city": {k: v for k, v in model.city.info().items() if not isinstance(v, dict)},
            "modules": list(scenario.modules),
            "index_system": load_system().identity(),
            "inputs": _input_hashes(scenario, model.city),
            "outputs": outputs,
            "timings_s": {k: round(v, 4) for k, v in timings.items()},
            "notes": notes,
            "environment": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "platform": platform.platform(),
            },
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _input_hashes(scenario: Scenario, city: City) -> dict[str, str]:
    hashes = {"city": city.source_hash}
    source = Path(scenario.source)
    if source.is_file():
        hashes["scenario_file"] = sha256_file(source)
    hashes["scenario_resolved"] = scenario.digest()
    return hashes
