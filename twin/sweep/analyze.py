"""Analysis of a sweep: sensitivity indices, regret-based robustness, PRIM scenario discovery.

Every analysis works on one year (the last by default) and on the mean over replicates of each
point (replicates share random numbers across points, so the means are comparable).

* Sensitivity (SALib): Sobol indices (S1, ST) for a ``saltelli`` design, Morris elementary
  effects (mu*, sigma) for a ``morris`` design, and PAWN (median and maximum Kolmogorov-Smirnov
  distance between conditional and unconditional distributions) for any other design, as it
  needs no special sample. Inputs are scaled to [0, 1].
* Robustness: the regret of a policy in a scenario is how much worse it does on an indicator
  than the best policy in that scenario (in the indicator's own unit, by its ``better``
  direction); a robust policy has a small maximum regret over scenarios. Needs a design where
  every policy runs on the same scenarios (full factorial, or Latin hypercube / Sobol with
  levers and uncertainties).
* Scenario discovery (PRIM, ema_workbench): the box of uncertainty ranges in which a policy
  fails a threshold, with its coverage and density.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import TwinInputError
from twin.sweep.store import SweepStore

INDEX_OUTCOMES = ("governance.index", "governance.index_partial")
"""The default PRIM outcome: the full governance index, else the partial one (a sweep with a small
module set; every point of a sweep runs the same modules, so its points compare like with like)."""

THRESHOLD = re.compile(r"^\s*([\w.]+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")
PRIM_DENSITY = 0.8
"""PRIM peels until the box's share of failing runs reaches this density."""
PRIM_MIN_CASES = 10


@dataclasses.dataclass
class Analysis:
    """Tables of an analysis (empty tables when an analysis does not apply, with a note)."""

    folder: Path
    year: int
    method: str
    inputs: tuple[str, ...]
    outcomes: pd.DataFrame  # point, inputs..., one column per indicator (mean over replicates)
    sensitivity: pd.DataFrame
    regret: pd.DataFrame
    prim: pd.DataFrame
    notes: list[str]


def indicator_key(domain: str, indicator: str) -> str:
    return f"{domain}.{indicator}"


def unit_inputs(design: pd.DataFrame, inputs: tuple[str, ...], spec: dict) -> pd.DataFrame:
    """The inputs scaled to [0, 1] (unit-cube columns of SALib designs, else from the ranges)."""
    variables = {v["key"]: v for v in spec["sweep"]["levers"] + spec["sweep"]["uncertainties"]}
    out = pd.DataFrame(index=design.index)
    for key in inputs:
        if f"unit:{key}" in design:
            out[key] = design[f"unit:{key}"]
            continue
        v = variables[key]
        if v["kind"] == "categorical":
            codes = {str(value): i for i, value in enumerate(v["values"])}
            out[key] = design[key].map(lambda x, codes=codes: codes[str(x)]) / max(len(codes) - 1, 1)
        else:
            out[key] = (design[key].astype(float) - v["low"]) / (v["high"] - v["low"])
    return out


def _sensitivity(
    method: str,
    problem: dict,
    x: np.ndarray,
    outcomes: pd.DataFrame,
    indicators: list[str],
    levels: int,
    seed: int,
    notes: list[str],
) -> pd.DataFrame:
    from SALib.analyze import morris, pawn, sobol

    rows = []
    for name in indicators:
        y = outcomes[name].to_numpy(float)
        if np.isnan(y).any():
            notes.append(f"sensitivity of {name}: skipped, not reported at every point (or a run failed)")
            continue
        if np.ptp(y) == 0:
            continue  # constant indicator: every index is zero
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "sobol":
                res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
                cols = {
                    "S1": res["S1"],
                    "S1_conf": res["S1_conf"],
                    "ST": res["ST"],
                    "ST_conf": res["ST_conf"],
                }
            elif method == "morris":
                res = morris.analyze(problem, x, y, num_levels=levels, seed=seed)
                cols = {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]}
            else:
                res = pawn.analyze(problem, x, y, S=min(10, max(2, len(y) // 5)), seed=seed)
                cols = {"pawn_median": res["median"], "pawn_max": res["maximum"]}
        for i, input_name in enumerate(problem["names"]):
            rows.append(
                {
                    "indicator": name,
                    "input": input_name,
                    **{k: float(np.asarray(v)[i]) for k, v in cols.items()},
                }
            )
    return pd.DataFrame(rows)


def _regret(
    outcomes: pd.DataFrame,
    levers: tuple[str, ...],
    uncertainties: tuple[str, ...],
    better: dict[str, str],
    notes: list[str],
) -> pd.DataFrame:
    if not levers or not uncertainties:
        notes.append("robustness: needs both levers and uncertainties")
        return pd.DataFrame()
    keyed = outcomes.assign(
        policy=outcomes[list(levers)].astype(str).agg(" | ".join, axis=1),
        scenario=outcomes[list(uncertainties)].astype(str).agg(" | ".join, axis=1),
    )
    counts = keyed.groupby("policy").scenario.nunique()
    if keyed.scenario.nunique() < 2 or counts.nunique() != 1 or len(counts) < 2:
        notes.append("robustness: the design does not run every policy on the same scenarios")
        return pd.DataFrame()
    rows = []
    for name, direction in better.items():
        if not direction or name not in keyed:
            continue
        table = keyed.pivot_table(index="scenario", columns="policy", values=name, aggfunc="mean")
        best = table.max(axis=1) if direction == "higher" else table.min(axis=1)
        regret = (table.rsub(best, axis=0) if direction == "higher" else table.sub(best, axis=0)).abs()
        for policy in table.columns:
            rows.append(
                {
                    "indicator": name,
                    "policy": policy,
                    "max_regret": float(regret[policy].max()),
                    "p90_regret": float(regret[policy].quantile(0.9)),
                    "mean_regret": float(regret[policy].mean()),
                    "mean_value": float(table[policy].mean()),
                }
            )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["most_robust"] = frame.groupby("indicator").max_regret.transform("min") == frame.max_regret
    return frame


def parse_threshold(text: str, indicators: list[str]) -> tuple[str, str, float]:
    """``'services.index<90'`` -> ('services.index', '<', 90.0); errors name the allowed indicators."""
    match = THRESHOLD.match(text)
    if not match:
        raise TwinInputError(f"--threshold {text!r}: expected DOMAIN.INDICATOR<VALUE (or >, <=, >=)")
    name, op, value = match.group(1), match.group(2), float(match.group(3))
    if name not in indicators:
        import difflib

        hint = difflib.get_close_matches(name, indicators, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise TwinInputError(
            f"--threshold {text!r}: no indicator {name!r}{did}; indicators: {', '.join(indicators)}"
        )
    return name, op, value


def _fails(values: pd.Series, op: str, value: float) -> np.ndarray:
    return {"<": values < value, "<=": values <= value, ">": values > value, ">=": values >= value}[
        op
    ].to_numpy()


def _prim(
    outcomes: pd.DataFrame,
    levers: tuple[str, ...],
    uncertainties: tuple[str, ...],
    thresholds: list[tuple[str, str, float]],
    notes: list[str],
) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns about optional parallel back ends
        from ema_workbench.analysis import prim

    dims = list(uncertainties) or list(levers)
    groups = (
        [
            (" | ".join(map(str, k if isinstance(k, tuple) else (k,))), g)
            for k, g in outcomes.groupby(list(levers), sort=True)
        ]
        if levers and uncertainties
        else [("all points", outcomes)]
    )
    rows = []
    for name, op, value in thresholds:
        for policy, group in groups:
            y = _fails(group[name], op, value)
            if len(group) < PRIM_MIN_CASES or y.all() or not y.any():
                share = float(y.mean()) if len(y) else float("nan")
                notes.append(
                    f"PRIM {name}{op}{value:g} for {policy}: no box ({len(group)} cases, {share:.0%} fail)"
                )
                continue
            x = group[dims].reset_index(drop=True)
            for column in x.columns:
                if x[column].dtype == object or x[column].dtype == "str":
                    x[column] = x[column].astype("category")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                finder = prim.Prim(x, y, threshold=PRIM_DENSITY)
                box = finder.find_box()
            limits = box.box_lim
            restricted = [c for c in dims if not limits[c].equals(finder.box_init[c])]
            ranges = "; ".join(f"{c} in {_fmt_limits(limits[c])}" for c in restricted) or "(whole space)"
            rows.append(
                {
                    "threshold": f"{name}{op}{value:g}",
                    "policy": policy,
                    "cases": len(group),
                    "failing": int(y.sum()),
                    "box": ranges,
                    "coverage": float(box.coverage),
                    "density": float(box.density),
                    "mass": float(box.mass),
                }
            )
    return pd.DataFrame(rows)


def _fmt_limits(column: pd.Series) -> str:
    low, high = column.iloc[0], column.iloc[1]
    if isinstance(low, set):
        return "{" + ", ".join(sorted(map(str, low))) + "}"
    return f"[{low:.4g}, {high:.4g}]"


def analyze(folder: str | Path, *, year: int | None = None, thresholds: list[str] | None = None) -> Analysis:
    """Sensitivity, regret and PRIM analyses of a finished sweep folder."""
    store = SweepStore(folder)
    manifest = store.manifest()
    results = store.results()
    ok = results[results.status == "ok"]
    if ok.empty:
        raise TwinInputError(f"{folder}: no successful run to analyse")
    years = sorted(ok.year.unique())
    year = int(years[-1]) if year is None else year
    if year not in years:
        raise TwinInputError(f"--year {year}: not simulated; years: {', '.join(map(str, years))}")
    levers, uncertainties = tuple(manifest["levers"]), tuple(manifest["uncertainties"])
    inputs = levers + uncertainties
    rows = ok[ok.year == year].assign(name=lambda f: f.domain + "." + f.indicator)
    wide = rows.pivot_table(index="point", columns="name", values="value", aggfunc="mean")
    better = rows.drop_duplicates("name").set_index("name").better.to_dict()
    indicators = list(wide.columns)
    design = store.design()
    outcomes = design[["point", *inputs]].join(wide, on="point")
    notes: list[str] = []

    method = {"saltelli": "sobol", "morris": "morris"}.get(manifest["design"], "pawn")
    problem = {"num_vars": len(inputs), "names": list(inputs), "bounds": [[0.0, 1.0]] * len(inputs)}
    x = unit_inputs(design, inputs, manifest["spec"]).to_numpy(float)
    sweep_file = manifest["spec"]["sweep"]["sweep"]
    sensitivity = _sensitivity(
        method, problem, x, outcomes, indicators, sweep_file["levels"], sweep_file["seed"], notes
    )
    regret = _regret(outcomes, levers, uncertainties, better, notes)
    if thresholds:
        parsed = [parse_threshold(t, indicators) for t in thresholds]
    elif index := next((n for n in INDEX_OUTCOMES if n in indicators), None):
        cut = float(outcomes[index].quantile(0.25))
        parsed = [(index, "<", cut)]
        notes.append(f"PRIM threshold: {index} < {cut:.4g} (its lower quartile; set --threshold)")
    else:
        parsed = []
    prim_table = _prim(outcomes, levers, uncertainties, parsed, notes)
    return Analysis(store.path, year, method, inputs, outcomes, sensitivity, regret, prim_table, notes)


def format_analysis(analysis: Analysis) -> str:
    """The analysis as terminal tables."""
    parts = [f"sweep {analysis.folder}, year {analysis.year}"]
    with pd.option_context(
        "display.max_rows", 200, "display.width", 200, "display.float_format", "{:,.4g}".format
    ):
        if not analysis.sensitivity.empty:
            parts.append(f"\nsensitivity ({analysis.method}):\n{analysis.sensitivity.to_string(index=False)}")
        if not analysis.regret.empty:
            robust = analysis.regret[analysis.regret.most_robust]
            parts.append(
                "\nmost robust policy per indicator (smallest maximum regret):\n"
                + robust[["indicator", "policy", "max_regret", "mean_value"]].to_string(index=False)
            )
        if not analysis.prim.empty:
            parts.append("\nscenario discovery (PRIM):\n" + analysis.prim.to_string(index=False))
    parts.extend(f"note: {n}" for n in analysis.notes)
    return "\n".join(parts)
