"""Unanswered calls are right-censored at the period's end (``emergency.unanswered_after_min``).

A call no unit reached within ``unanswered_after_min`` of it is unanswered; the share is taken over
the calls made at least that long before the period's end, and younger calls still open at the
end are reported apart (``open_at_end_calls``). The first checks feed hand-set calls to the
indicators of a real short run on testville; the last runs an overloaded centre through a warm-up.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from twin.config import parse
from twin.emergency import EmergencyConfig, EmergencyModule
from twin.emergency.kpis import year_indicators
from twin.engine import TwinModel

MIN = 60.0
"""Seconds in a minute."""


def config(**data) -> EmergencyConfig:
    return parse(EmergencyConfig, data, source="test", key="emergency")


def run(city, cfg, days=0.25, warmup_days=0):
    module = EmergencyModule(cfg)
    model = TwinModel(city, [module], seed=5, horizon_years=1, period_days=days, warmup_days=warmup_days)
    model.step()
    return module, model


def calls(module: EmergencyModule, rows: list[tuple[float, float]]) -> pd.DataFrame:
    """The run's first calls with their (time_s, response_s) set to ``rows`` (NaN: never reached)."""
    frame = module.last_incidents.iloc[: len(rows)].copy()
    frame["time_s"] = [t for t, _ in rows]
    frame["response_s"] = [r for _, r in rows]
    return frame


def values(module, model, frame) -> dict[str, float]:
    busy = np.zeros(len(module.centre.unit_list))
    return {i.name: i.value for i in year_indicators(module, model, frame, busy)}


@pytest.fixture(scope="module")
def short_run(testville):
    return run(testville, config(rate_scale=15.0))


def old_rule_unanswered(frame: pd.DataFrame) -> int:
    """The rule this replaces: every call no unit reached by the period's end."""
    return int(frame["response_s"].isna().sum())


def test_a_call_just_before_the_end_is_open_not_unanswered(short_run):
    module, model = short_run
    end = model.period_s
    frame = calls(module, [(0.0, 8 * MIN), (3600.0, 10 * MIN), (end - 5 * MIN, np.nan)])
    v = values(module, model, frame)
    assert v["unanswered_calls"] == 0
    assert v["unanswered_share"] == 0
    assert v["open_at_end_calls"] == 1
    assert old_rule_unanswered(frame) == 1  # the old rule counted it


def test_a_call_waiting_past_the_limit_is_unanswered(short_run):
    module, model = short_run
    end = model.period_s
    frame = calls(
        module,
        [
            (0.0, 70 * MIN),  # reached, but after 60 min
            (end - 90 * MIN, np.nan),  # never reached, open 90 min at the end
            (600.0, 45 * MIN),  # reached within 60 min: answered, though late for its target
            (1200.0, 10 * MIN),
        ],
    )
    v = values(module, model, frame)
    assert v["unanswered_calls"] == 2
    assert v["open_at_end_calls"] == 0
    assert v["unanswered_share"] == pytest.approx(50.0)
    assert old_rule_unanswered(frame) == 1  # the old rule missed the call reached after 70 min
    # the limit is the scenario's: at 30 min the 45-minute response is unanswered too
    strict = copy.copy(module)
    strict.config = dataclasses.replace(module.config, unanswered_after_min=30.0)
    assert values(strict, model, frame)["unanswered_calls"] == 3


def test_the_share_leaves_out_calls_too_young_to_tell(short_run):
    """Denominator: the calls made at least 60 min before the end, answered or not."""
    module, model = short_run
    end = model.period_s
    old = [(i * 300.0, 9 * MIN) for i in range(8)] + [(2400.0, np.nan), (3000.0, 80 * MIN)]
    young = [(end - 50 * MIN, 4 * MIN), (end - 40 * MIN, 6 * MIN), (end - 10 * MIN, np.nan)]
    v = values(module, model, calls(module, old + young))
    assert v["unanswered_calls"] == 2
    assert v["open_at_end_calls"] == 1
    assert v["unanswered_share"] == pytest.approx(2 / 10 * 100.0)  # not 2 / 13 (all calls)


def test_an_overloaded_centre_through_a_warm_up(testville):
    """One ambulance a base and many medical calls: a queue grows, so calls go unreached both long
    before and just before the end; the end is the warm-up day plus the recorded period."""
    cfg = config(
        types={"medical": {"rate_per_1000": 0.3}},
        rate_scale=60.0,
        units_per_station={"ambulance": 1},
        standby_per_station={},
    )
    module, model = run(testville, cfg, days=0.25, warmup_days=1)
    rows = {i.name: i.value for i in module.indicators(model, model.year)}
    recorded = module.last_incidents[module.last_incidents["time_s"] >= model.warmup_s]
    age = model.period_s - recorded["time_s"].to_numpy()
    never = recorded["response_s"].isna().to_numpy()
    assert (never & (age < 60 * MIN)).any() and (never & (age >= 60 * MIN)).any()
    assert rows["open_at_end_calls"] == (never & (age < 60 * MIN)).sum()
    assert rows["unanswered_calls"] < old_rule_unanswered(recorded)
    late = (age >= 60 * MIN) & ~(recorded["response_s"].to_numpy() <= 60 * MIN)
    assert rows["unanswered_share"] == pytest.approx(late.sum() / (age >= 60 * MIN).sum() * 100.0)
