"""The ``air_quality`` view layer: buildings coloured by the NOx their zone's traffic adds to the
background concentration."""

from __future__ import annotations

import numpy as np

from viz import Field, LayerView, RunTables

COLUMNS = ("year", "time_s", "zone", "concentration_ugm3")


def _year(frame, year: int | None):
    """Rows of ``year`` (the last year of the table when None)."""
    chosen = int(frame.year.max()) if year is None else int(year)
    return frame[frame.year.to_numpy() == chosen], chosen


def air_quality_view(run: RunTables, *, time_s: float | None, year: int | None) -> LayerView:
    """The zones' concentration at ``time_s`` (the last sample at or before it), or the period
    mean when ``time_s`` is None, drawn on the buildings and as a bar per zone."""
    series = run.table("air_quality", "timeseries", "air_quality", COLUMNS)
    rows, chosen = _year(series, year)
    if rows.empty:
        return LayerView("air_quality", f"air quality: no samples in {chosen}")
    times = np.unique(rows.time_s.to_numpy(float))
    if time_s is None:
        shown, caption = rows, f"air quality, period mean {chosen}"
    else:
        at = times[max(int(np.searchsorted(times, time_s, side="right")) - 1, 0)]
        shown = rows[rows.time_s.to_numpy(float) == at]
        caption = f"air quality at {int(at // 3600):02d}:{int(at % 3600 // 60):02d}, {chosen}"
    city = run.city
    zone_sum = np.bincount(shown.zone.to_numpy(int), weights=shown.concentration_ugm3.to_numpy(float),
                           minlength=len(city.zones.x))
    count = np.bincount(shown.zone.to_numpy(int), minlength=len(city.zones.x))
    with np.errstate(invalid="ignore", divide="ignore"):
        zone = np.where(count > 0, zone_sum / np.maximum(count, 1), np.nan)
    background = run.manifest.get("scenario", {}).get("air", {}).get("background_ugm3", 0.0)
    zone = zone - background  # what the city's traffic adds
    field = Field("building", zone[city.buildings.zone], "NOx from traffic", "ug/m3", "YlOrRd",
                  None, zone_values=zone)
    return LayerView("air_quality", caption, field)


def air_quality_times(run: RunTables, *, year: int | None) -> np.ndarray:
    """The sample times (s into the period) of ``year``: the frames of ``twin view --mp4``."""
    rows, _ = _year(run.table("air_quality", "timeseries", "air_quality", COLUMNS), year)
    return np.unique(rows.time_s.to_numpy(float))
