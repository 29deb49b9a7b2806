"""Reports of comparisons and analyses: Markdown or HTML (by the file's suffix) with matplotlib plots.

Plots are PNG files written beside the report (``<stem>_<plot>.png``) and linked from it.
Comparison plots: indicator differences with their intervals; distributions of emergency
response time and population by district over the years, when both sides have those tables.
Analysis plots: sensitivity indices per indicator and input; maximum regret per policy.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from twin.errors import TwinInputError  # noqa: E402
from twin.sweep.analyze import INDEX_OUTCOMES, Analysis  # noqa: E402
from twin.sweep.compare import (  # noqa: E402
    Comparison,
    beyond_interval,
    design_note,
    missing_note,
    readable_table,
)
from twin.sweep.experiment import FLAGS, Experiment, readable_effects, summary_line  # noqa: E402
from twin.writing import atomic_file, atomic_write_text, output_errors  # noqa: E402


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(v) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _inline(text: str) -> str:
    """``text`` as HTML: escaped, Markdown code spans (between backticks) as ``<code>``."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def check_report_path(path: str | Path) -> Path:
    """``path`` as a Path if it names a Markdown or HTML report; one line otherwise."""
    path = Path(path)
    if path.suffix not in (".md", ".html"):
        raise TwinInputError(f"--report {path}: the report must end in .md or .html")
    return path


class _Document:
    """A report being written: headings, paragraphs, tables and images, as Markdown or HTML."""

    def __init__(self, path: Path):
        path = check_report_path(path)
        self.path, self.html = path, path.suffix == ".html"
        self.parts: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(
            f"<h{level}>{html.escape(text)}</h{level}>" if self.html else f"{'#' * level} {text}\n"
        )

    def paragraph(self, text: str) -> None:
        self.parts.append(f"<p>{_inline(text)}</p>" if self.html else f"{text}\n")

    def bullets(self, lines: Sequence[str]) -> None:
        """A list of ``lines``; a line starting with two spaces is an item of the item before it."""
        if not self.html:
            self.parts.append("\n".join(f"  - {line.strip()}" if line.startswith("  ") else f"- {line}"
                                        for line in lines) + "\n")
            return
        out, inner = ["<ul>"], False
        for line in lines:
            sub = line.startswith("  ")
            if sub and not inner:
                out.append("<ul>")
            elif not sub and inner:
                out.append("</ul>")
            inner = sub
            out.append(f"<li>{_inline(line.strip())}</li>")
        out.append("</ul></ul>" if inner else "</ul>")
        self.parts.append("".join(out))

    def image(self, image: Path, caption: str) -> None:
        """An image file already written (by a caller's plot), linked relative to the report."""
        name = Path(os.path.relpath(Path(image).resolve(), self.path.resolve().parent)).as_posix()
        if self.html:
            self.parts.append(f'<figure><img src="{html.escape(name)}" alt="{html.escape(caption)}">'
                              f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        else:
            self.parts.append(f"![{caption}]({name})\n")

    def table(self, frame: pd.DataFrame) -> None:
        if self.html:
            self.parts.append(frame.to_html(index=False, float_format="{:.4g}".format, border=0))
        else:
            self.parts.append(_markdown_table(frame) + "\n")

    def figure(self, fig, name: str, caption: str) -> None:
        image = self.path.with_name(f"{self.path.stem}_{name}.png")
        try:
            with output_errors(image), atomic_file(image) as tmp:
                fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
        finally:
            plt.close(fig)
        if self.html:
            self.parts.append(
                f'<figure><img src="{image.name}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        else:
            self.parts.append(f"![{caption}]({image.name})\n")

    def write(self, title: str) -> Path:
        if self.html:
            text = (
                f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                "<style>body{font-family:sans-serif;max-width:70em;margin:auto}"
                "td,th{padding:2px 8px;text-align:right}</style></head><body>"
                f"<h1>{html.escape(title)}</h1>" + "\n".join(self.parts) + "</body></html>\n"
            )
        else:
            text = f"# {title}\n\n" + "\n".join(self.parts)
        with output_errors(self.path):
            atomic_write_text(self.path, text)
        return self.path


def _difference_plot(table: pd.DataFrame, confidence: float, sides: tuple[str, str] = ("A", "B")):
    """Differences B - A relative to A's mean (%), with intervals, one bar per indicator."""
    base = table.mean_a.abs().replace(0, np.nan)
    rel = 100 * table["diff"] / base
    low, high = 100 * table.ci_low / base, 100 * table.ci_high / base
    labels = table.domain + "." + table.indicator
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(table) + 1.2))
    y = np.arange(len(table))
    err = np.vstack([(rel - low).fillna(0).clip(lower=0), (high - rel).fillna(0).clip(lower=0)])
    ax.barh(y, rel.fillna(0), xerr=err, color=np.where(rel >= 0, "tab:blue", "tab:orange"), capsize=3)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.8)
    reach = max(5.0, 1.3 * float(rel.abs().max(skipna=True) if rel.notna().any() else 0.0))
    ax.set_xlim(-reach, reach)  # wide intervals of small means run off the axis, not the bars
    ax.set_xlabel(f"{sides[1]} - {sides[0]}, % of {sides[0]}'s mean ({confidence:.0%} interval)")
    return fig


def _response_plot(a: pd.DataFrame, b: pd.DataFrame, labels: tuple[str, str]):
    fig, ax = plt.subplots(figsize=(7, 3.5))
    minutes = [t.response_s.dropna().to_numpy() / 60.0 for t in (a, b)]
    top = max((np.percentile(m, 99) for m in minutes if len(m)), default=1.0)
    bins = np.linspace(0, top, 40)
    for m, label in zip(minutes, labels, strict=True):
        ax.hist(m, bins=bins, histtype="step", density=True, lw=1.5, label=f"{label} (n={len(m)})")
    ax.set_xlabel("response time (min)")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return fig


def _population_plot(a: pd.DataFrame, b: pd.DataFrame, labels: tuple[str, str]):
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for table, label, style in ((a, labels[0], "-"), (b, labels[1], "--")):
        by = (
            table.groupby(["replicate", "year", "district"])
            .population.sum()
            .groupby(["year", "district"])
            .mean()
            .unstack("district")
        )
        for i, district in enumerate(by.columns):
            ax.plot(by.index, by[district], style, color=f"C{i}", label=f"{district} ({label})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel("population")
    ax.legend(fontsize=7, ncol=2)
    return fig


def write_compare_report(comparison: Comparison, path: str | Path) -> Path:
    """Write the comparison report (``.md`` or ``.html``) and its plots; returns the report path."""
    c = comparison
    doc = _Document(Path(path))
    if c.differences:
        doc.paragraph(f"**Not like for like**: the sides differ in {'; '.join(c.differences)}.")
    doc.paragraph(f"B = {c.b.label}; A = {c.a.label}; year {c.year}; {design_note(c)}.")
    doc.heading("Indicators")
    doc.table(readable_table(c))
    if beyond_interval(c.table).any():
        doc.paragraph("'*' beyond interval: the interval of B - A excludes 0.")
    for label, keys in (("A", c.only_a), ("B", c.only_b)):
        if keys:
            doc.paragraph(missing_note(label, keys) + ".")
    _comparison_figures(doc, c)
    return doc.write("Comparison")


def _comparison_figures(doc: _Document, c: Comparison, labels: tuple[str, str] = ("A", "B"),
                        prefix: str = "", level: int = 2, shown: pd.Series | None = None,
                        which: str = "") -> None:
    """The plots of a comparison: differences with intervals (of the rows ``shown`` selects,
    described by ``which``; default all); response times and population by district when both
    sides kept those tables. ``prefix`` names the image files apart."""
    table = c.table if shown is None else c.table[shown.to_numpy()]
    if not table.empty:
        doc.figure(_difference_plot(table, c.confidence, labels), f"{prefix}indicators",
                   f"indicator differences {labels[1]} - {labels[0]}{which}")
    if "incidents" in c.a.tables and "incidents" in c.b.tables:
        doc.heading("Emergency response time", level)
        doc.figure(
            _response_plot(c.a.tables["incidents"], c.b.tables["incidents"], labels),
            f"{prefix}response_time",
            "distribution of response time, all replicates",
        )
    if "zone_population" in c.a.tables and "zone_population" in c.b.tables:
        doc.heading("Population by district", level)
        doc.figure(
            _population_plot(c.a.tables["zone_population"], c.b.tables["zone_population"], labels),
            f"{prefix}population",
            "population by district over the years (mean over replicates)",
        )


def _headline_plot(result: Experiment):
    """The effect of every policy on the headline indicator (the governance index, else the
    first indicator), with its interval."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(result.effects) + 1.3))
    names, centre, low, high = [], [], [], []
    label = ""
    for effect in result.effects:
        t = effect.table
        rows = t[t.domain == "governance"]
        rows = rows[rows.indicator.isin(["index", "index_partial"])] if not rows.empty else rows
        row = (rows if not rows.empty else t).iloc[0]
        label = f"{row.domain}.{row.indicator} ({row.unit})"
        names.append(Path(effect.file).stem)
        centre.append(row.effect)
        low.append(row.effect - row.ci_low if np.isfinite(row.ci_low) else 0.0)
        high.append(row.ci_high - row.effect if np.isfinite(row.ci_high) else 0.0)
    y = np.arange(len(names))
    ax.errorbar(centre, y, xerr=np.vstack([low, high]), fmt="o", capsize=4)
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(f"effect on {label}, policy - parent")
    return fig


@dataclasses.dataclass(frozen=True)
class Section:
    """A sub-section a caller adds to one policy's part of an experiment report (e.g. a check of
    the effects against expectations): a heading, paragraphs, then a table (optional)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    table: pd.DataFrame | None = None


def write_experiment_report(result: Experiment, path: str | Path, title: str = "Experiment",
                            preface: tuple[str, ...] = (),
                            sections: Mapping[str, Sequence[Section]] | None = None) -> Path:
    """Write the experiment report (``.md`` or ``.html``): for each policy, its effects against
    the parent with intervals and signal-to-noise flags, and the comparison plots. ``preface``:
    paragraphs put first (how the report was made); ``sections``: per policy file (as in
    :attr:`PolicyEffect.file`), sub-sections put after its summary line, before its table."""
    doc = _Document(Path(path))
    for text in preface:
        doc.paragraph(text)
    doc.paragraph(
        f"Each policy against its parent {result.parent_file}, {result.replicates} replicates a side with "
        "common random numbers (replicate r of every side runs with the same seed); folder "
        f"{result.folder}. Effect = policy - parent in the last simulated year; s/n = |effect| / "
        "half-width of its interval.")
    doc.table(pd.DataFrame({"flag": list(FLAGS), "meaning": list(FLAGS.values())}))
    if result.failed:
        doc.paragraph(f"{result.failed} runs failed and are left out (results.parquet, status 'error').")
    if len(result.effects) > 1:
        doc.figure(_headline_plot(result), "headline", "headline effect of each policy with its interval")
    for i, effect in enumerate(result.effects):
        c = effect.comparison
        doc.heading(f"{Path(effect.file).name}")
        doc.paragraph(f"{effect.file} against {result.parent_file}; year {c.year}; {design_note(c)}.")
        doc.paragraph(f"Summary: {summary_line(effect)}.")
        for section in (sections or {}).get(effect.file, ()):
            doc.heading(section.heading, level=3)
            for text in section.paragraphs:
                doc.paragraph(text)
            if section.table is not None:
                doc.table(section.table)
        if sections:
            doc.heading("Every indicator", level=3)
        doc.table(readable_effects(effect))
        for label, keys in (("the parent", c.only_a), ("the policy", c.only_b)):
            if keys:
                doc.paragraph(missing_note(label, keys) + ".")
        signal = effect.table.flag.isin(["clear", "weak"])
        if not signal.any():
            doc.paragraph("No clear or weak effect: no difference plot.")
        _comparison_figures(doc, c, ("parent", "policy"), prefix=f"{i + 1}_", level=3, shown=signal,
                            which=" (clear and weak effects)")
    return doc.write(title)


def _sensitivity_plot(table: pd.DataFrame, column: str):
    grid = table.pivot_table(index="indicator", columns="input", values=column, sort=False)
    fig, ax = plt.subplots(figsize=(1.2 * len(grid.columns) + 4, 0.3 * len(grid) + 1.5))
    image = ax.imshow(grid.to_numpy(float), aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(grid)), grid.index, fontsize=8)
    fig.colorbar(image, ax=ax, label=column)
    return fig


def _regret_plot(regret: pd.DataFrame, indicator: str):
    rows = regret[regret.indicator == indicator]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    ax.barh(rows.policy, rows.max_regret, color=np.where(rows.most_robust, "tab:green", "tab:gray"))
    ax.invert_yaxis()
    ax.set_xlabel(f"maximum regret over scenarios: {indicator}")
    return fig


SENSITIVITY_COLUMN = {"sobol": "ST", "morris": "mu_star", "pawn": "pawn_median"}


def write_analysis_report(analysis: Analysis, path: str | Path) -> Path:
    """Write the analysis report (``.md`` or ``.html``) and its plots; returns the report path."""
    a = analysis
    doc = _Document(Path(path))
    doc.paragraph(f"Sweep {a.folder}, year {a.year}; inputs: {', '.join(a.inputs)}.")
    doc.heading(f"Sensitivity ({a.method})")
    if a.sensitivity.empty:
        doc.paragraph("No indicator varies across the sweep.")
    else:
        doc.table(a.sensitivity)
        column = SENSITIVITY_COLUMN[a.method]
        doc.figure(
            _sensitivity_plot(a.sensitivity, column), "sensitivity", f"{column} per indicator and input"
        )
    doc.heading("Robustness (regret)")
    if a.regret.empty:
        doc.paragraph("Not available for this design.")
    else:
        doc.table(a.regret)
        focus = next((n for n in INDEX_OUTCOMES if n in set(a.regret.indicator)), a.regret.indicator.iloc[0])
        doc.figure(_regret_plot(a.regret, focus), "regret", f"maximum regret per policy: {focus}")
    doc.heading("Scenario discovery (PRIM)")
    if a.prim.empty:
        doc.paragraph("No box found (see the notes).")
    else:
        doc.table(a.prim)
    if a.notes:
        doc.heading("Notes")
        for note in a.notes:
            doc.paragraph(note)
    return doc.write("Sweep analysis")
