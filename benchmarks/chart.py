"""The chart in docs/performance.md, drawn from a benchmark run's results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

COLOURS = {
    "roob": "#2557d6",
    "roob-seed": "#7aa0f0",
    "raw-wsgi": "#9aa3ad",
    "falcon": "#e07b39",
    "bottle": "#4caf7a",
    "flask": "#b65fcf",
}


def draw(inprocess: dict[str, Any], scaling: dict[str, Any] | None, path: Path) -> Path:
    summary = inprocess["results"]
    scenarios = list(summary)
    frameworks = list(summary[scenarios[0]])
    columns = 2 if scaling else 1
    figure, axes = plt.subplots(
        1,
        columns,
        figsize=(13 if scaling else 9, 5),
        gridspec_kw={"width_ratios": [3, 2][:columns]},
    )
    bars = axes[0] if scaling else axes
    width = 0.8 / len(frameworks)
    for index, name in enumerate(frameworks):
        medians = [summary[scenario][name]["median"] for scenario in scenarios]
        positions = [x + (index - (len(frameworks) - 1) / 2) * width for x in range(len(scenarios))]
        bars.bar(positions, medians, width, label=name, color=COLOURS.get(name))
    bars.set_xticks(range(len(scenarios)), scenarios)
    bars.set_yscale("log")
    bars.set_ylabel("µs per request (median, log scale)")
    bars.set_title("In process: lower is faster")
    bars.legend(ncols=3, fontsize="small")
    bars.grid(axis="y", which="both", alpha=0.3)
    if scaling:
        lines = axes[1]
        sizes = scaling["sizes"]
        for name, by_kind in scaling["results"].items():
            for kind, by_size in by_kind.items():
                # requests: circles; the router's lookup alone: crosses, thinner
                lookup = kind.endswith("lookup")
                lines.plot(
                    sizes,
                    [by_size[str(size)] for size in sizes],
                    "-" if kind.startswith("dynamic") else "--",
                    marker="x" if lookup else "o",
                    linewidth=1 if lookup else 1.8,
                    color=COLOURS.get(name),
                    label=f"{name} {kind}",
                )
        lines.set_xscale("log")
        lines.set_yscale("log")
        lines.set_xlabel("routes registered")
        lines.set_ylabel("µs per request or lookup (median)")
        lines.set_title("Router scaling")
        lines.legend(fontsize="x-small", ncols=2)
        lines.grid(which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def draw_tfb(
    summary: dict[str, dict[str, dict[str, dict[str, Any]]]], frameworks: list[str], path: Path
) -> Path:
    """``python -m benchmarks.tfb``'s chart: requests/s per test type, one panel per server."""
    servers = list(summary)
    figure, axes = plt.subplots(len(servers), 1, figsize=(12, 4.2 * len(servers)), squeeze=False)
    width = 0.8 / len(frameworks)
    for panel, server in zip(axes[:, 0], servers, strict=True):
        labels = list(summary[server])
        for index, name in enumerate(frameworks):
            medians = [summary[server][label][name]["median"] for label in labels]
            offset = (index - (len(frameworks) - 1) / 2) * width
            positions = [x + offset for x in range(len(labels))]
            panel.bar(positions, medians, width, label=name, color=COLOURS.get(name))
        panel.set_xticks(range(len(labels)), labels)
        panel.set_yscale("log")
        panel.set_ylabel("requests/s (median, log scale)")
        panel.set_title(f"TechEmpower test types under {server}: higher is faster")
        panel.legend(ncols=len(frameworks), fontsize="small")
        panel.grid(axis="y", which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


TYPED_COLOURS = {
    "fastapi-def": "#009485",
    "fastapi-async": "#4fc1b4",
    "litestar": "#edb641",
    "falcon-typeadapter": "#a8461a",
}


def draw_typed(typed: dict[str, Any], path: Path) -> Path:
    """benchmarks/typed_payloads.py's chart: µs per request per scenario, one bar a framework."""
    summary = typed["results"]
    scenarios = list(summary)
    frameworks = list(dict.fromkeys(name for by in summary.values() for name in by))
    figure, bars = plt.subplots(figsize=(12, 5))
    width = 0.8 / len(frameworks)
    for index, name in enumerate(frameworks):
        offset = (index - (len(frameworks) - 1) / 2) * width
        shown = [(x, summary[s][name]) for x, s in enumerate(scenarios) if name in summary[s]]
        bars.bar(
            [x + offset for x, _ in shown],
            [r["median"] for _, r in shown],
            width,
            yerr=[
                [r["median"] - r["min"] for _, r in shown],
                [r["max"] - r["median"] for _, r in shown],
            ],
            capsize=2,
            error_kw={"linewidth": 0.7},
            label=name,
            color=COLOURS.get(name, TYPED_COLOURS.get(name)),
        )
    bars.set_xticks(range(len(scenarios)), scenarios)
    bars.set_yscale("log")
    bars.set_ylabel("µs per request (median, min-max; log scale)")
    bars.set_title("Typed payloads, in process: lower is faster")
    bars.legend(ncols=4, fontsize="small")
    bars.grid(axis="y", which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
