"""Plan view of a seed city (streets by class, river, bridges, hills, districts) as a PNG.

    python scripts/plan_view.py hezhou docs/seed_city_hezhou_new.png --dpi 100
    python scripts/plan_view.py hezhou docs/seed_city_babu_new.png --window -3000 3000 -3000 3000 --dpi 100

For the city before issue 17, run it with PYTHONPATH pointing at an old checkout
(``git worktree add /tmp/twin-old <commit>``; ``PYTHONPATH=/tmp/twin-old python scripts/plan_view.py``).
"""

from __future__ import annotations

import argparse
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from PIL import Image  # noqa: E402

from twin import City  # noqa: E402
from twin.city.facilities import FACILITY_KINDS  # noqa: E402
from twin.city.seedfile import load_seed  # noqa: E402

WIDTH = (0.35, 0.9, 1.6, 2.2)  # points, by LINK_CLASSES: local, collector, arterial, highway
COLOUR = ("#777777", "#b8860b", "#c0392b", "#6a1b9a")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed")
    parser.add_argument("out")
    parser.add_argument("--window", nargs=4, type=float, metavar=("X0", "X1", "Y0", "Y1"),
                        help="metres; default: the whole city")
    parser.add_argument("--title", default="")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args()
    city = City.from_seed(args.seed)
    spec, _ = load_seed(args.seed)
    net = city.network
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    for hill in getattr(spec, "hills", ()):
        o = np.asarray(hill.outline)
        ax.fill(o[:, 0], o[:, 1], color="#cfe3c4", zorder=0.6)  # over the district fill
    for k in range(len(city.districts)):
        o = city.districts.outline(k)
        ax.fill(o[:, 0], o[:, 1], facecolor="#f6f1e7", edgecolor="#999999", lw=0.6, zorder=0.5)
        ax.text(*o.mean(axis=0), city.districts.label[k], fontsize=7, color="#555555",
                ha="center", zorder=9, clip_on=True)
    if city.river is not None:
        r = city.river.polyline
        ax.plot(r[:, 0], r[:, 1], color="#7fb3e0", lw=city.river.width_m / 60.0, zorder=1,
                solid_capstyle="round")
    one_way = net.link_from < net.link_to  # each street once
    segments = np.stack([np.column_stack([net.node_x[net.link_from], net.node_y[net.link_from]]),
                         np.column_stack([net.node_x[net.link_to], net.node_y[net.link_to]])], axis=1)
    for cls in range(len(WIDTH)):
        rows = one_way & (net.link_class == cls)
        ax.add_collection(LineCollection(segments[rows], linewidths=WIDTH[cls], colors=COLOUR[cls],
                                         zorder=2 + cls))
    bridges = one_way & net.link_bridge & (net.link_class < 3)
    ax.add_collection(LineCollection(segments[bridges], linewidths=3.0, colors="black", zorder=7))
    for name in net.road_names:  # each named road once, along its middle link
        links = net.links_of_road(name)
        if links.size == 0:
            continue
        mid = segments[links].mean(axis=1)
        link = links[np.argmin(np.hypot(*(mid - mid.mean(axis=0)).T))]
        (x0, y0), (x1, y1) = segments[link]
        angle = np.degrees(np.arctan2(y1 - y0, x1 - x0))
        angle = angle - 180.0 if angle > 90.0 else angle + 180.0 if angle < -90.0 else angle
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, name, fontsize=5, rotation=angle, rotation_mode="anchor",
                ha="center", va="bottom", color="#222222", zorder=9, clip_on=True)
    station = city.facilities.kind == FACILITY_KINDS.index("train_station")
    ax.scatter(city.facilities.x[station], city.facilities.y[station], marker="s", s=40,
               color="#1565c0", zorder=8)
    if args.window:
        ax.set_xlim(args.window[0], args.window[1])
        ax.set_ylim(args.window[2], args.window[3])
    else:
        ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_title(args.title or f"{city.label}: {net.n_nodes:,} nodes, "
                 f"{net.link_length_m[one_way].sum() / 1000:.0f} km of street", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("x, m (east)", fontsize=7)
    ax.set_ylabel("y, m (north)", fontsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=args.dpi)
    # a 64-colour palette: the plan has few colours, and the file stays small for docs/
    Image.open(buffer).convert("RGB").quantize(64).save(args.out, optimize=True)


if __name__ == "__main__":
    main()
