"""The ``twin`` command line: run, validate and city, plus the command groups of the modules.

Bad input prints one line, ``twin: error: ...``, and exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import json
import os
import sys
import typing
import warnings

from twin.errors import TwinInputError

if typing.TYPE_CHECKING:
    import pandas as pd


def _cmd_run(args: argparse.Namespace) -> int:
    from twin.scenario import load_scenario, run
    from twin.warmup import warm_up

    scenario = load_scenario(args.scenario)
    result = run(scenario, args.out, force=args.force, seed=args.seed, progress=not args.quiet,
                 picture=False if args.no_picture else None,
                 ready=lambda: warm_up("run", when_cold_only=True))  # after the inputs and --out are checked
    title = f"{scenario.name} (seed {result.manifest['seed']})"
    print(format_summary(result.indicators, title, per_domain=None if args.full else HEADLINE_ROWS))
    print(f"\nrun folder: {result.path}  (every indicator: indicators.csv)")
    if (result.path / "city.png").is_file():
        print(f"picture:    {result.path / 'city.png'}")
    return 0


HEADLINE_ROWS = 6
"""Indicators shown per domain in the run summary (modules report their headline KPIs first)."""


def format_summary(indicators: pd.DataFrame, title: str, per_domain: int | None = None) -> str:
    """A terminal table: one row per indicator, one column per year.

    With ``per_domain``, only the first that many indicators of each domain are shown (the
    governance index and domain scores always are).
    """
    import pandas as pd

    if per_domain is not None:
        first_year = indicators[indicators.year == indicators.year.min()]
        keep = first_year.groupby("domain", sort=False).head(per_domain).indicator
        keep_keys = set(zip(first_year.loc[keep.index, "domain"], keep, strict=True))
        mask = [(d == "governance") or ((d, i) in keep_keys)
                for d, i in zip(indicators.domain, indicators.indicator, strict=True)]
        indicators = indicators[mask]
    table = indicators.pivot_table(index=["domain", "indicator", "unit"], columns="year",
                                   values="value", sort=False)
    order = sorted(table.index, key=lambda k: (k[0] == "governance", k[0]))
    table = table.loc[order]
    with pd.option_context("display.max_rows", 500, "display.width", 160,
                           "display.float_format", "{:,.2f}".format):
        return f"{title}\n{table.to_string()}"


def _cmd_warmup(args: argparse.Namespace) -> int:
    from twin.warmup import warm_up_all

    return warm_up_all()


def _cmd_validate(args: argparse.Namespace) -> int:
    from twin.scenario import load_scenario
    from twin.sweep.cli import check_sweep, is_sweep_file

    if is_sweep_file(args.file):  # sweep files validate with their design
        return check_sweep(args.file)
    scenario = load_scenario(args.file)
    modules = ", ".join(scenario.modules) or "none"
    print(f"{args.file}: ok (scenario {scenario.name!r}, modules: {modules})")
    if len(scenario.files) > 1:  # it extends a parent: show what it changes
        from twin.scenario.spec import scenario_diff

        parent = scenario.files[1]
        try:
            rows = scenario_diff(load_scenario(parent), scenario)
        except TwinInputError as exc:  # a partial parent (no name, no module) is a fine base
            print(f"no difference shown: the parent does not validate on its own ({exc})")
            return 0
        print(f"resolved difference to the parent {parent} ({len(rows)} keys; key: parent -> this file):")
        for key, old, new in rows:
            print(f"  {key}: {_toml_value(key, old)} -> {_toml_value(key, new)}")
    return 0


def _toml_value(key: str, value: object) -> str:
    """A resolved scenario value as one short line (JSON spelling); a whole module section (a
    module that runs on one side only) is 'on' or 'off'."""
    from twin.scenario.spec import NOT_SET

    if "." not in key:
        return "off" if value == NOT_SET else "on"
    return str(value) if value == NOT_SET else json.dumps(value, ensure_ascii=False)


def _cmd_city_info(args: argparse.Namespace) -> int:
    from twin.city import load_city

    info = load_city(args.city).info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['label']} ({info['name']})")
    for key in ("nodes", "links", "road_km", "bridges", "districts", "zones", "buildings",
                "population", "jobs", "dwellings"):
        print(f"  {key:<12} {info[key]:>12,}")
    print("  districts:   " + ", ".join(f"{k} {v:,}" for k, v in info["district_population"].items()))
    print(f"  streets:     {info['street_km']:,} km on {info['built_up_km2']:,} km2 of districts: "
          f"{info['street_density_km_per_km2']} km/km2, mean block {info['mean_block_m']:.0f} m")
    by_class = []
    for k, km in info["street_km_by_class"].items():
        lanes = info["lanes_by_class"].get(k, 0)
        by_class.append(f"{k} {km:,} km ({lanes} lane{'' if lanes == 1 else 's'} each way)")
    print("  by class:    " + ", ".join(by_class))
    print("  facilities:  " + ", ".join(f"{k} {v}" for k, v in info["facilities"].items()))
    roads = ", ".join(f"{k} ({v['class']}, {v['km']:g} km)" for k, v in info["named_roads"].items())
    print("  roads:       " + (roads or "none named"))
    return 0


def _cmd_city_list(args: argparse.Namespace) -> int:
    from twin.city import available_seeds

    print("\n".join(available_seeds()))
    return 0


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error of ``twin``."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"twin: error: {self.prog}: {message} (see '{self.prog} --help')\n")


class _VersionAction(argparse.Action):
    """``twin --version``; the version is read only when asked for (importlib.metadata is slow)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> typing.NoReturn:
        import twin

        print(f"citytwin {twin.__version__}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``twin`` parser. With ``command`` (the first word of the command line) one of the core
    commands below, no group of :data:`twin.registry.CLI_GROUPS` is added; with one a group owns,
    only that group (the others' modules stay unimported); otherwise (``--help``, an unknown
    word) every group."""
    parser = OneLineParser(prog="twin", description="CityTwin: a city digital twin.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run a scenario and write its run folder")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--out", help="run folder (default runs/<name>-seed<seed>)")
    p.add_argument("--force", action="store_true", help="replace an existing --out folder")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-picture", action="store_true", help="skip the 3D picture")
    p.add_argument("--full", action="store_true", help="print every indicator, not the headlines")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("warmup", help="compile every numba kernel into the cache (once, about a minute)")
    p.set_defaults(func=_cmd_warmup)

    p = sub.add_parser("validate", help="check a scenario file; exit 0 if good, 2 if not")
    p.add_argument("file")
    p.set_defaults(func=_cmd_validate)

    city = sub.add_parser("city", help="seed cities and city folders").add_subparsers(
        dest="city_command", required=True, metavar="SUBCOMMAND")
    p = city.add_parser("info", help="sizes of a city (seed name, seed file or city folder)")
    p.add_argument("city")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_city_info)
    p = city.add_parser("list", help="the shipped seed cities")
    p.set_defaults(func=_cmd_city_list)
    importlib.import_module("twin.city.io").register_city_commands(city)  # import, export

    from twin.registry import CLI_GROUPS

    if command in sub.choices:
        return parser
    owned = [dotted for dotted, names in CLI_GROUPS.items() if command in names]
    for dotted in owned or CLI_GROUPS:
        importlib.import_module(dotted).register(sub)
    return parser


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    return f"twin: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    warnings.formatwarning = _one_line_warning
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words else None)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TwinInputError as exc:
        print(f"twin: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("twin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (``twin validate X | head -1``): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a process ended by SIGPIPE


class _Exit:
    """The status :func:`run` ends the process with, once the command returned (None before)."""

    code: int | None = None


def _end_without_teardown() -> None:
    """Exit handler of :func:`run`: flush the output and end the process, skipping the teardown.

    Registered first, it runs after every other exit handler (Dask, logging, temporary folders);
    what it skips is the interpreter's clearing of every module and object, about 0.1-0.15 s once
    numba and scipy are loaded (a sixth of a short command such as ``twin traffic simulate``).
    A command that raised (code None) ends the ordinary way.
    """
    if _Exit.code is None:
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (``twin ... | head``)
            stream.flush()
    os._exit(_Exit.code)


def run() -> None:
    """The ``twin`` console script: :func:`main` in a process that ends without the teardown.

    Tests call :func:`main` in-process, which returns as any function does.
    """
    atexit.register(_end_without_teardown)
    _Exit.code = main()
    sys.exit(_Exit.code)


if __name__ == "__main__":
    run()
