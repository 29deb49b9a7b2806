"""``twin present``: a local web viewer of one run, or of two runs compared, for a presenter.

    twin present RUN [RUN_B] [--port P] [--host 127.0.0.1] [--size WxH]

A trame app (the web framework pyvista builds on) serves the 3D city in a browser page with a
time slider and a play button over the simulated day, a year selector, a layer choice (traffic,
emergency, waste, population or the plain city), facility groups to switch on (all off at
first), camera presets (whole city, each district, each bridge), an A / B / difference switch
when two runs are given, and a panel of each run's headline indicators and their difference.

Rendering is server side: VTK draws into an off-screen window (EGL on a headless machine) and
trame's ``VtkRemoteView`` streams the images to the page, so the browser needs no WebGL and the
page is the same whatever the client's graphics. The server binds 127.0.0.1 by default and the
page loads only what the server itself serves (trame's client, Vuetify, its icon and Roboto
fonts, all from the installed packages): no outside requests.

:class:`Presenter` holds what is shown (run, year, time, layer, side, facilities, camera) and
draws it into one pyvista plotter; it knows nothing of the web page, so it is testable alone.
:func:`serve` builds the page around it. Both sides of a comparison always show the same year
and time; switching sides keeps the camera (the cameras are linked). A year a side lacks is a
one-line error on the page, and the view stays as it was.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import numpy as np
import pandas as pd

from twin.city import City
from twin.errors import TwinInputError
from twin.reading import read_table
from twin.scenario.store import rerun_remedy
from viz.compare import (
    check_same_city,
    common_clim,
    common_year,
    difference_view,
    policy_overlays,
    with_overlays,
)
from viz.layers import (
    LAYERS,
    LayerView,
    RunTables,
    busiest_time,
    clock,
    frame_times,
    layer_view,
    run_labels,
)
from viz.scene import FACILITY_GROUPS, CityScene, new_plotter

CITY = "city"
"""The layer choice that draws the plain city (buildings by use, roads by class)."""

KPI_ROWS = 3
"""Indicators per domain in the KPI panel (modules write their headline indicators first)."""

PLAY_STEP_S = 0.8
"""Seconds between two time steps while the day plays."""


def camera_presets(city: City) -> dict[str, tuple[float, float, float, float] | None]:
    """Named camera targets: the whole city (None), each district and each bridge.

    Values are ground boxes (xmin, xmax, ymin, ymax, metres); a bridge's box is its links padded
    by 6 % of the city's extent (at least 300 m) on every side, so its approaches show too.
    """
    presets: dict[str, tuple[float, float, float, float] | None] = {"whole city": None}
    d = city.districts
    for i in range(len(d)):
        ring = d.outline(i)
        presets[f"district: {d.label[i]}"] = (float(ring[:, 0].min()), float(ring[:, 0].max()),
                                              float(ring[:, 1].min()), float(ring[:, 1].max()))
    net = city.network
    xs = np.concatenate([net.node_x, city.districts.outline_xy[:, 0]])
    ys = np.concatenate([net.node_y, city.districts.outline_xy[:, 1]])
    pad = max(0.06 * max(np.ptp(xs), np.ptp(ys)), 300.0)
    bridges = np.flatnonzero(np.asarray(net.link_bridge, bool))
    roads = np.asarray(net.link_road, int)[bridges]
    for road in np.unique(roads):
        links = bridges[roads == road]
        ends = np.concatenate([net.link_from[links], net.link_to[links]])
        x, y = net.node_x[ends].astype(float), net.node_y[ends].astype(float)
        name = net.road_names[road] if 0 <= road < len(net.road_names) else f"bridge {road}"
        presets[f"bridge: {name}"] = (x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad)
    return presets


def headline_kpis(runs: list[RunTables], names: list[str], year: int | None) -> pd.DataFrame | None:
    """Each run's headline indicators of ``year`` (the first :data:`KPI_ROWS` per domain of the
    first run's ``indicators.parquet``; None: the first run's last year) side by side, and A - B
    with two runs; None when a run has no indicator table (synthetic runs). The year shown is in
    ``attrs["year"]``."""
    tables = []
    for run in runs:
        path = None if run.path is None else run.path / "indicators.parquet"
        if path is None or not path.is_file():
            return None
        frame = read_table(path, what="run indicators", remedy=rerun_remedy(run.path),
                           columns=("year", "domain", "indicator", "value", "unit"))
        if year is None:
            year = int(frame.year.max())
        frame = frame[frame.year == year]
        tables.append(frame.set_index(["domain", "indicator"]))
    keep = tables[0].reset_index().groupby("domain", sort=False).head(KPI_ROWS)
    out = keep[["domain", "indicator", "unit"]].reset_index(drop=True)
    for name, table in zip(names, tables, strict=True):
        values = table.value.reindex(pd.MultiIndex.from_frame(keep[["domain", "indicator"]]))
        out[name] = values.to_numpy(float)
    if len(runs) == 2:
        out["A - B"] = out[names[0]] - out[names[1]]
    out.attrs["year"] = year
    return out


def format_value(value: float) -> str:
    """A value for the KPI panel: 4 significant digits, thousands separated."""
    if not np.isfinite(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


class Presenter:
    """What the viewer shows, drawn into one off-screen pyvista plotter.

    Args:
        runs: one run, or two runs of the same city (A and B).
        size: the picture size in pixels (width, height) the server renders.

    The state (``layer``, ``year``, ``time_index``, ``side``, ``facilities``) changes only
    through the methods, which check it and raise a one-line :class:`TwinInputError` when a
    choice is not possible (then nothing changes).
    """

    def __init__(self, runs: list[RunTables], size: tuple[int, int] = (1280, 800)) -> None:
        if not 1 <= len(runs) <= 2:
            raise TwinInputError(f"twin present takes one run or two to compare, got {len(runs)}")
        if len(runs) == 2:
            check_same_city(*runs)
        self.runs = runs
        self.names = run_labels(runs)
        self.city = runs[0].city
        self.years = sorted(set().union(*(r.years() for r in runs)))
        self.year = common_year(runs)
        self.policy = policy_overlays(runs)
        self.layer = CITY
        self.layers = [CITY] + [layer for layer in LAYERS if self._has_layer(layer)]
        self.side = "A"
        self.facilities: tuple[str, ...] = ()
        self.presets = camera_presets(self.city)
        self.preset = "whole city"
        self.times = np.zeros(0)
        self.time_index = 0
        self.plotter = new_plotter(size)
        self.scene: CityScene | None = None
        self.layer = "traffic" if "traffic" in self.layers else CITY
        self.times = self._times(self.layer, self.year)
        self.time_index = self._busiest()
        self.draw()

    # -- queries ----------------------------------------------------------------------------

    def _has_layer(self, layer: str) -> bool:
        try:
            for run in self.runs:
                times = frame_times(run, layer, year=self.year)
                layer_view(run, layer, time_s=float(times[0]) if times.size else None, year=self.year)
        except TwinInputError:
            return False
        return True

    @property
    def time_s(self) -> float | None:
        """The time shown (seconds into the period), None for layers without a time of day."""
        return float(self.times[self.time_index]) if self.times.size else None

    @property
    def clock(self) -> str:
        """The time shown as "HH:MM" counted from run A's first recorded day (:func:`clock`), or
        the year for layers without a time of day."""
        time_s = self.time_s
        if time_s is None:
            return str(self.year) if self.year else ""
        return clock(time_s, self.runs[0].warmup_s)

    def sides(self) -> list[str]:
        """The side choices: A (and B and the difference with two runs)."""
        return ["A", "B", "A - B"] if len(self.runs) == 2 else ["A"]

    def _busiest(self) -> int:
        """Index of the traffic interval with the most flow in run A (0 without traffic)."""
        if self.layer != "traffic" or not self.times.size:
            return 0
        return int(np.searchsorted(self.times, busiest_time(self.runs[0], self.year)))

    def _times(self, layer: str, year: int | None) -> np.ndarray:
        if layer in (CITY, "population"):
            return np.zeros(0)
        return np.unique(np.concatenate([frame_times(r, layer, year=year) for r in self.runs]))

    def _views(self) -> list[LayerView | None]:
        if self.layer == CITY:
            return [None for _ in self.runs]
        return [layer_view(r, self.layer, time_s=self.time_s, year=self.year) for r in self.runs]

    def _shown(self) -> tuple[LayerView | None, str]:
        """The view on screen and its title."""
        views = self._views()
        if self.side == "A - B":
            return (with_overlays(difference_view(views[0], views[1], self.names[0], self.names[1]),
                                  sum(self.policy, ())), f"{self.names[0]} minus {self.names[1]}")
        k = 1 if self.side == "B" else 0
        prefix = f"{self.side}: " if len(self.runs) == 2 else ""
        return with_overlays(views[k], self.policy[k]), prefix + self.names[k]

    # -- drawing ----------------------------------------------------------------------------

    def draw(self) -> None:
        """Draw the scene again (new layer, side, year or facilities), keeping the camera.

        The views are made before anything is cleared, so a one-line error leaves the scene as
        it was."""
        camera = self.plotter.camera_position if self.scene is not None else None
        view, title = self._shown()
        clim = None
        if self.side != "A - B" and self.layer != CITY:
            clim = common_clim([v.field if v is not None else None for v in self._views()])
        self.plotter.clear()
        self.scene = CityScene(self.plotter, self.city, view, title=title, clim=clim,
                               facilities=self.facilities)
        if camera is not None:
            self.plotter.camera_position = camera
        if self.presets[self.preset] is not None:
            self.scene.set_scale(self.presets[self.preset])
        self.scene.set_clock(self.clock)

    def set_time(self, index: int) -> None:
        """Show sample ``index`` of the layer's times (same time on both sides)."""
        if not self.times.size:
            return
        self.time_index = int(np.clip(index, 0, self.times.size - 1))
        if self.side == "A - B" or self.scene is None:
            self.draw()  # a difference takes its colour range from the moment shown
            return
        view, _ = self._shown()
        if view is not None:
            self.scene.update(view)
        self.scene.set_clock(self.clock)

    def _apply(self, **changes) -> None:
        """Set the attributes ``changes`` and draw; on a one-line error put everything back."""
        before = {k: getattr(self, k) for k in (*changes, "times", "time_index")}
        for key, value in changes.items():
            setattr(self, key, value)
        try:
            if "layer" in changes or "year" in changes:
                self.times = self._times(self.layer, self.year)
                self.time_index = min(self.time_index, max(self.times.size - 1, 0))
            self.draw()
        except TwinInputError:
            for key, value in before.items():
                setattr(self, key, value)
            raise

    def set_layer(self, layer: str) -> None:
        """Show ``layer`` (or :data:`CITY`, which has no difference: the side goes back to A)."""
        if layer not in self.layers:
            raise TwinInputError(f"layer {layer!r}: not in these runs; layers: {', '.join(self.layers)}")
        self._apply(layer=layer, side="A" if layer == CITY else self.side)

    def set_year(self, year: int) -> None:
        """Show ``year`` on every side; a one-line error (nothing changes) when a side, or a
        table the layer reads, lacks it."""
        for run in self.runs:
            run.check_year(int(year))
        self._apply(year=int(year))

    def set_side(self, side: str) -> None:
        """Show run A, run B or their difference ("A - B"); the camera stays."""
        if side not in self.sides():
            raise TwinInputError(f"side {side!r}: choose one of {', '.join(self.sides())}")
        if side == "A - B" and self.layer == CITY:
            raise TwinInputError("the difference needs a layer (traffic, emergency, waste or "
                                 "population); the plain city is the same in both runs")
        self._apply(side=side)

    def set_facilities(self, labels: list[str] | tuple[str, ...]) -> None:
        """Draw the facility groups named in ``labels`` (labels of FACILITY_GROUPS)."""
        known = [g.label for g in FACILITY_GROUPS]
        unknown = [x for x in labels if x not in known]
        if unknown:
            raise TwinInputError(f"facilities {unknown[0]!r}: groups are {', '.join(known)}")
        self._apply(facilities=tuple(x for x in known if x in labels))

    def set_preset(self, name: str) -> None:
        """Point the camera at a preset (the whole city, a district, a bridge)."""
        if name not in self.presets:
            raise TwinInputError(f"camera {name!r}: presets are {', '.join(self.presets)}")
        self.preset = name
        if self.scene is not None:
            self.scene.set_camera(bounds=self.presets[name])
            self.scene.set_scale(self.presets[name] or self.scene.frame_bounds)

    def kpis(self) -> list[dict[str, str]]:
        """The KPI panel's rows (strings ready to show) for the year shown."""
        table = headline_kpis(self.runs, self.names, self.year)
        if table is None:
            return []
        value_columns = [c for c in table.columns if c not in ("domain", "indicator", "unit")]
        return [{"indicator": f"{row.domain}: {row.indicator}", "unit": row.unit,
                 "values": [format_value(float(table.at[i, c])) for c in value_columns]}
                for i, row in enumerate(table.itertuples(index=False))]

    def kpi_columns(self) -> list[str]:
        """Column headers of the KPI panel's value columns (A, B and A - B with two runs)."""
        return ["A", "B", "A - B"] if len(self.runs) == 2 else list(self.names)

    def close(self) -> None:
        """Free the render window."""
        self.plotter.close()


def build_page(server, presenter: Presenter) -> None:
    """The page: a toolbar (sides, camera), a drawer of controls and KPIs, the 3D view.

    Every control carries an ``id`` (``layer-traffic``, ``year``, ``time-slider``, ``play``,
    ``side-A``, ``facility-0``, ...) so the browser test can find it.
    """
    from trame.app import asynchronous
    from trame.ui.vuetify3 import VAppLayout
    from trame.widgets import html
    from trame.widgets import vuetify3 as v3
    from trame_pyvista.widgets import PyVistaRemoteView

    state, ctrl = server.state, server.controller
    state.trame__title = "CityTwin: " + " vs ".join(presenter.names)
    state.update({
        "layer": presenter.layer, "year": presenter.year, "years": presenter.years,
        "t_index": presenter.time_index, "n_times": int(presenter.times.size),
        "clock": presenter.clock, "side": presenter.side, "facilities": [],
        "preset": "whole city", "playing": False, "error": "",
        "kpis": presenter.kpis(), "kpi_columns": presenter.kpi_columns(),
    })

    def refresh() -> None:
        state.n_times = int(presenter.times.size)
        state.t_index = presenter.time_index
        state.clock = presenter.clock
        state.side = presenter.side
        state.layer = presenter.layer
        state.year = presenter.year
        ctrl.view_update()

    def guarded(change, undo: dict) -> None:
        """Apply a change; on a one-line error show it and put the controls back."""
        try:
            change()
            state.error = ""
        except TwinInputError as exc:
            state.error = str(exc)
            state.update(undo)
        refresh()

    @state.change("layer")
    def _layer(layer, **_):
        if layer != presenter.layer:
            guarded(lambda: presenter.set_layer(layer), {"layer": presenter.layer})

    @state.change("year")
    def _year(year, **_):
        def change() -> None:
            presenter.set_year(int(year))
            state.kpis = presenter.kpis()

        if year is not None and year != presenter.year:
            guarded(change, {"year": presenter.year})

    @state.change("t_index")
    def _time(t_index, **_):
        if t_index is not None and int(t_index) != presenter.time_index:
            presenter.set_time(int(t_index))
            state.clock = presenter.clock
            ctrl.view_update()

    @state.change("side")
    def _side(side, **_):
        if side is not None and side != presenter.side:
            guarded(lambda: presenter.set_side(side), {"side": presenter.side})

    @state.change("facilities")
    def _facilities(facilities, **_):
        if tuple(facilities or ()) != presenter.facilities:
            guarded(lambda: presenter.set_facilities(list(facilities or ())), {})

    @state.change("preset")
    def _preset(preset, **_):
        guarded(lambda: presenter.set_preset(preset), {})

    async def play() -> None:
        while state.playing and presenter.times.size:
            await asyncio.sleep(PLAY_STEP_S)
            if not state.playing:
                break
            with state:
                state.t_index = (presenter.time_index + 1) % presenter.times.size

    @state.change("playing")
    def _playing(playing, **_):
        if playing:
            asynchronous.create_task(play())

    with VAppLayout(server, full_height=True):
        with v3.VAppBar(density="compact", color="#24364b"):
            v3.VAppBarTitle("CityTwin - " + " vs ".join(presenter.names), id="title")
            if len(presenter.runs) == 2:
                with v3.VBtnToggle(v_model=("side",), mandatory=True, density="compact",
                                   color="#f0c36d", classes="mx-2"):
                    for side in presenter.sides():
                        v3.VBtn(side, value=side, id=f"side-{side.replace(' ', '')}")
            v3.VSelect(v_model=("preset",), items=("presets", list(presenter.presets)),
                       label="camera", density="compact", hide_details=True, id="preset",
                       style="max-width: 260px", classes="mx-2")
        with v3.VNavigationDrawer(permanent=True, width=420, location="left"), \
                v3.VContainer(classes="pa-3"):
            v3.VAlert(v_if="error", text=("error",), type="error", density="compact",
                      id="error", classes="mb-2 text-caption")
            html.Div("layer", classes="text-subtitle-2")
            with v3.VRadioGroup(v_model=("layer",), density="compact", hide_details=True,
                                inline=True):
                for layer in presenter.layers:
                    v3.VRadio(label=layer, value=layer, id=f"layer-{layer}")
            v3.VSelect(v_model=("year",), items=("years",), label="year", density="compact",
                       hide_details=True, id="year", classes="my-2",
                       disabled=("years.length < 2",))
            with html.Div(classes="d-flex align-center"):
                v3.VBtn(icon=("playing ? 'mdi-pause' : 'mdi-play'",), size="small",
                        click="playing = !playing", id="play",
                        disabled=("n_times < 2",), classes="mr-2")
                html.Span("{{ clock }}", id="clock", classes="text-h6")
            v3.VSlider(v_model=("t_index",), min=0, max=("Math.max(n_times - 1, 0)",), step=1,
                       disabled=("n_times < 2",), hide_details=True, id="time-slider",
                       density="compact")
            html.Div("facilities (off until picked)", classes="text-subtitle-2 mt-2")
            with v3.VChipGroup(v_model=("facilities",), multiple=True, column=True):
                for k, group in enumerate(FACILITY_GROUPS):
                    v3.VChip(group.label, value=group.label, filter=True, size="small",
                             id=f"facility-{k}", color=group.color, variant="outlined")
            html.Div("headline indicators ({{ year }})", classes="text-subtitle-2 mt-3")
            if len(presenter.runs) == 2:
                html.Div(f"A = {presenter.names[0]}, B = {presenter.names[1]}",
                         classes="text-caption", id="kpi-runs")
            html.Div("no indicators table in these runs", v_if="!kpis.length",
                     classes="text-caption")
            with v3.VTable(density="compact", v_if="kpis.length", id="kpis",
                           classes="text-caption"):
                with html.Thead(), html.Tr():
                    html.Th("indicator (unit)")
                    html.Th("{{ c }}", v_for="c in kpi_columns")
                with html.Tbody(), html.Tr(v_for="row in kpis"):
                    html.Td("{{ row.indicator }} ({{ row.unit }})")
                    html.Td("{{ v }}", v_for="v in row.values")
        with v3.VMain(), html.Div(style="height: calc(100vh - 48px); width: 100%", id="city-view"):
            view = PyVistaRemoteView(presenter.plotter, interactive_ratio=1, still_ratio=1)
            ctrl.view_update = view.update


def check_port(host: str, port: int) -> None:
    """A one-line error unless this machine can listen on ``host``:``port`` (free, allowed)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as exc:
        raise TwinInputError(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); "
                             "pick another --port") from None


def serve(runs: list[str | Path], *, host: str = "127.0.0.1", port: int = 8080,
          size: tuple[int, int] = (1280, 800)) -> None:
    """Serve the viewer of ``runs`` at http://host:port/ until interrupted (Ctrl-C)."""
    from twin.extras import require_extra

    for module in ("trame_pyvista", "trame_vuetify", "trame_vtk"):
        require_extra(module, "html", "twin present")
    from trame.app import get_server

    check_port(host, port)
    presenter = Presenter([RunTables(path) for path in runs], size=size)
    server = get_server("citytwin_present", client_type="vue3")
    build_page(server, presenter)
    print(f"twin present: open http://{host}:{port}/ in a browser (Ctrl-C stops)", flush=True)
    try:
        server.start(host=host, port=port, open_browser=False, show_connection_info=False,
                     disable_logging=True, timeout=0)
    finally:
        presenter.close()

