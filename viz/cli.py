"""``twin view``: a picture, video, HTML file or window of one run, or of two runs compared.

    twin view RUN [--png FILE | --mp4 FILE | --html FILE] [--layer traffic|emergency|waste|population|...]
                  [--time HH:MM] [--year YEAR] [--size WxH] [--quantity speed_ratio|flow|queue]
    twin view RUN_A RUN_B [--diff] ...      side by side (or A minus B with --diff)
    twin view RUN [RUN_B] --story FILE.mp4  fly over the city at the peak hour, then A minus B
    twin present RUN [RUN_B] [--port P] [--host H]   a local web viewer (viz.present)

Bad input (a run without the table a layer needs, an unknown layer, an output that cannot be
written) is a one-line ``TwinInputError``: the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import argparse
import typing

from twin.errors import TwinInputError

if typing.TYPE_CHECKING:
    from twin.city import City
    from viz.layers import RunTables


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``twin view`` to the ``twin`` command line."""
    p = subparsers.add_parser("view", help="3D picture, video or HTML of a run (or two side by side)",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folder(s): one, or two to compare")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--png", metavar="FILE", help="write a PNG picture")
    out.add_argument("--mp4", metavar="FILE", help="write a video of the day (.mp4 or .gif)")
    out.add_argument("--html", metavar="FILE", help="write a static HTML page (key hours, no server)")
    out.add_argument("--story", metavar="FILE", help="write an MP4: a flight over the city at the "
                     "peak hour, then RUN_A minus RUN_B at that hour")
    p.add_argument("--layer", help="traffic, emergency, waste, population or a plug-in's layer "
                   "(default: the city)")
    p.add_argument("--time", metavar="HH:MM", help="time of day to show (default: end of run)")
    p.add_argument("--year", type=int, help="year of a multi-year run (default: the last)")
    p.add_argument("--size", metavar="WxH", help="picture size in pixels (default 1600x1000, "
                   "1920x1080 for videos and two runs)")
    p.add_argument("--quantity", default="speed_ratio",
                   help="traffic link quantity: speed_ratio, flow or queue (default speed_ratio)")
    p.add_argument("--diff", action="store_true", help="two runs: show RUN_A minus RUN_B")
    p.add_argument("--colour-by", metavar="WHAT", help="pictures of one run: colour the buildings "
                   "by population_change, response_time or waste_fill (their zone's)")
    p.add_argument("--focus", metavar="NAME",
                   help="pictures: frame a district or a bridge (its name) instead of the city")
    p.add_argument("--orbit", type=float, default=0.0, metavar="DEG",
                   help="video: turn the camera DEG degrees around the city")
    p.add_argument("--fps", type=float, default=8.0, help="video frames per second (default 8)")
    p.add_argument("--every", type=float, default=0.0, metavar="MIN",
                   help="video: at least MIN minutes of the day between frames (default: every sample)")
    p.set_defaults(func=_cmd_view)
    p = subparsers.add_parser("present", help="interactive web viewer of a run (or two compared)",
                              description="A local web viewer (trame): time slider, layers, "
                              "years, A / B / difference, camera presets, headline indicators.")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folder(s): one, or two to compare")
    p.add_argument("--port", type=int, default=8080, help="port to serve on (default 8080)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--size", metavar="WxH", help="rendered picture size (default 1280x800)")
    p.set_defaults(func=_cmd_present)


def _cmd_view(args: argparse.Namespace) -> int:
    from twin.plugins import load as load_plugins
    from viz.layers import LAYERS, RunTables

    if len(args.runs) > 2:
        raise TwinInputError(f"twin view takes one run or two to compare, got {len(args.runs)}")
    runs = [RunTables(path) for path in args.runs]
    for run in runs:  # the installed plug-ins and those the run's scenario named (their layers)
        load_plugins(run.plugins, f"{run.where}/manifest.json: key 'scenario.plugins'")
    if args.layer is not None and args.layer not in LAYERS:
        raise TwinInputError(f"--layer {args.layer!r}: unknown layer; layers: {', '.join(LAYERS)}")
    if args.diff and (len(args.runs) != 2 or args.layer is None):
        raise TwinInputError("--diff needs two runs and a --layer")
    if args.mp4 and args.layer is None:
        raise TwinInputError("--mp4 needs a --layer to animate")
    if args.mp4 and args.time:
        raise TwinInputError("--time picks one moment for a picture; a video shows the whole day")
    if args.mp4 and args.diff:
        raise TwinInputError("--diff makes a picture; a video of two runs is side by side")
    if args.colour_by and (len(args.runs) != 1 or args.mp4 or args.html or args.story):
        raise TwinInputError("--colour-by colours the buildings of a picture (--png) or a window "
                             "of one run")
    if args.story and (args.layer not in (None, "traffic") or args.time or args.diff):
        raise TwinInputError("--story tells the traffic at the peak hour: it takes no --layer "
                             "other than traffic, no --time and no --diff")
    if args.focus and not args.png and not (args.mp4 is None and args.html is None
                                            and args.story is None):
        raise TwinInputError("--focus frames a picture (--png) or a window; videos and pages "
                             "show the whole city")
    if args.png is None and args.mp4 is None and args.html is None and args.story is None:
        from viz.export import has_display

        if not has_display():
            raise TwinInputError("no display for a window: pass --png FILE, --mp4 FILE or --html FILE")
    return _render(args, runs)


def _cmd_present(args: argparse.Namespace) -> int:
    from viz.export import parse_size
    from viz.present import serve

    if len(args.runs) > 2:
        raise TwinInputError(f"twin present takes one run or two to compare, got {len(args.runs)}")
    if not 0 < args.port < 65536:
        raise TwinInputError(f"--port {args.port}: a port is 1-65535")
    size = parse_size(args.size) if args.size else (1280, 800)
    serve(args.runs, host=args.host, port=args.port, size=size)
    return 0


def focus_bounds(city: City, name: str) -> tuple[float, float, float, float]:
    """The ground box (xmin, xmax, ymin, ymax, metres) of the district or bridge called ``name``
    (``--focus``); a one-line error listing the names otherwise."""
    from viz.present import camera_presets

    presets = camera_presets(city)
    names = {key.split(": ", 1)[1]: box for key, box in presets.items() if ": " in key}
    if name not in names:
        raise TwinInputError(f"--focus {name!r}: not a district or bridge of {city.name}; "
                             f"names: {', '.join(names)}")
    return names[name]


def _render(args: argparse.Namespace, runs: list[RunTables]) -> int:
    from viz.compare import check_same_city, common_year, policy_overlays
    from viz.export import check_output, parse_size, render_views, save_png, write_html
    from viz.layers import building_colour, layer_view, parse_clock, run_labels

    for flag in ("png", "mp4", "html"):
        if getattr(args, flag):
            check_output(getattr(args, flag), flag)
    if args.story:
        check_output(args.story, "mp4")
    wide = args.mp4 is not None or args.story is not None or (len(args.runs) == 2 and not args.diff)
    size = parse_size(args.size) if args.size else ((1920, 1080) if wide else (1600, 1000))
    time_s = parse_clock(args.time) if args.time else None
    for run in runs:
        run.check_year(args.year)
    if len(runs) == 2:
        check_same_city(*runs)
    names = run_labels(runs)
    if len(runs) == 2 and args.year is None:
        args.year = common_year(runs)  # the same year on both sides
    if args.story:
        from viz.animate import write_story

        stats = write_story(runs, args.story, size=size, fps=args.fps, year=args.year)
        print(f"story: {stats.path} ({stats.frames} frames, {stats.frames_per_s:.1f} frames/s)")
        return 0
    if args.mp4:
        from viz.animate import write_animation

        if args.every < 0:
            raise TwinInputError(f"--every {args.every:g}: minutes between frames must be >= 0")
        stats = write_animation(runs, args.layer, args.mp4, size=size, fps=args.fps,
                                orbit_deg=args.orbit, year=args.year, quantity=args.quantity,
                                every_s=60.0 * args.every)
        print(f"video: {stats.path} ({stats.frames} frames, {stats.frames_per_s:.1f} frames/s)")
        return 0
    if args.html:
        path, states = write_html(runs, args.layer, args.html, time_s=time_s, year=args.year,
                                  quantity=args.quantity, diff=args.diff, size=size)
        print(f"html: {path} ({states} moment{'s' if states > 1 else ''}, "
              f"{path.stat().st_size / 1e6:.1f} MB)")
        return 0
    focus = focus_bounds(runs[0].city, args.focus) if args.focus else None
    views = [None if args.layer is None else
             layer_view(r, args.layer, time_s=time_s, year=args.year, quantity=args.quantity)
             for r in runs]
    extra = (building_colour(runs[0], args.colour_by, year=args.year) if args.colour_by
             else None)
    plotter = render_views(runs[0].city, views, names, diff=args.diff, size=size,
                           off_screen=bool(args.png), overlays=policy_overlays(runs), focus=focus,
                           building_field=extra)
    try:
        if args.png:
            print(f"picture: {save_png(plotter, args.png)}")
        else:
            plotter.show()
    finally:
        plotter.close()
    return 0
