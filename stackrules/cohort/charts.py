"""Charts of a cohort report: PNG or SVG files drawn with matplotlib's Agg backend (no display needed).

matplotlib is an optional dependency (``pip install -e '.[cohort]' in the project's folder``).
Drawings are made from :class:`~.report.CohortReport` figures only, one file
a chart; a chart with no data is not drawn.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import StackrulesError
from .report import CohortReport, remaining_bands

FORMATS = ("png", "svg")


def pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise StackrulesError(f"charts need matplotlib: pip install -e '.[cohort]' in the project's folder ({exc})") from None
    return plt


def _bar(plt: Any, path: Path, title: str, labels: list[str], values: list[float], xlabel: str, horizontal: bool = True) -> None:
    from matplotlib.ticker import MaxNLocator

    # long labels (stacks of credentials, bands) wrap, so the bars keep their width
    labels = [textwrap.fill(label, 40 if horizontal else 12, break_on_hyphens=False) for label in labels]
    rows = sum(label.count("\n") + 1 for label in labels)
    height = max(2.5, 0.3 * rows + 0.25 * len(labels) + 1.2) if horizontal else 3.5
    fig, ax = plt.subplots(figsize=(9, height))
    try:
        integral = all(float(v).is_integer() for v in values)
        if horizontal:
            ax.barh(range(len(labels)), values, color="#3b6ea5")
            ax.set_yticks(range(len(labels)), labels)
            ax.invert_yaxis()
            ax.set_xlabel(xlabel)
            if integral:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            ax.bar(range(len(labels)), values, color="#3b6ea5")
            ax.set_xticks(range(len(labels)), labels)
            ax.set_ylabel(xlabel)
            if integral:
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        fig.tight_layout()
        # the same bytes for the same figures: no creation date, no random ids in SVG
        fmt = path.suffix.lstrip(".")
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        if fmt == "svg":
            plt.rcParams["svg.hashsalt"] = "stackrules"
        # drawn whole into a temporary file, then renamed: a run stopped while drawing leaves no chart half-written
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fig.savefig(tmp, format=fmt, metadata=metadata)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
    finally:
        plt.close(fig)


def draw(report: CohortReport, folder: Path, fmt: str = "png", top: int = 10, band: int = 24) -> list[Path]:
    """Draw the report's charts into ``folder``; the paths written, in a fixed order."""
    return list(drawing(report, folder, fmt, top, band))


def drawing(report: CohortReport, folder: Path, fmt: str = "png", top: int = 10, band: int = 24) -> Iterator[Path]:
    """Draw the report's charts into ``folder`` one at a time, yielding each path once its file is whole."""
    if fmt not in FORMATS:
        raise StackrulesError(f"charts are drawn as {' or '.join(FORMATS)}, not {fmt}")
    plt = pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    charts: list[tuple[str, str, list[str], list[float], str, bool]] = []

    def chart(name: str, title: str, labels: list[str], values: list[float], xlabel: str, horizontal: bool = True) -> None:
        if labels:
            charts.append((name, title, labels, values, xlabel, horizontal))

    nodes = report.blocking_nodes[:top]
    chart("blocking-nodes", "Requirement nodes not met", [f"{b.target} {b.id}" for b in nodes], [b.learners for b in nodes], "learners")
    limits = report.blocking_limits[:top]
    chart("blocking-limits", "Limits short or over", [f"{b.target} {b.id}" for b in limits], [b.learners for b in limits], "learners")
    rules = report.credit_by_rule[:top]
    chart("credit-by-rule", "Credit granted by rule", [t.name for t in rules], [float(t.credits) for t in rules], "credit granted (all learners)")
    providers = report.credit_by_provider[:top]
    chart(
        "credit-by-provider",
        "Credit granted by source provider",
        [t.name for t in providers],
        [float(t.credits) for t in providers],
        "credit granted (all learners)",
    )
    bands = remaining_bands(report.remaining, band)
    chart("remaining", "Remaining credit", [label for label, _ in bands], [n for _, n in bands], "learners", horizontal=False)
    chart(
        "planned-terms",
        "Planned terms to completion",
        [str(t) for t, _ in report.planned_terms],
        [n for _, n in report.planned_terms],
        "learners",
        horizontal=False,
    )
    stacks = report.stacks[:top]
    chart("stacks", "Prior learning behind completions", [f"{s.target}: {' + '.join(s.credentials)}" for s in stacks], [s.learners for s in stacks], "learners")
    for name, title, labels, values, xlabel, horizontal in charts:
        path = folder / f"{name}.{fmt}"
        _bar(plt, path, title, labels, values, xlabel, horizontal)
        yield path
