"""The capacity pictures: cycle duration against tenant size, and the write budget's use during one cycle.

matplotlib writes the PNGs (no display needed: the Agg backend); the HTML page embeds the same PNGs as
base64 with the prediction's table, so it is one self-contained file that opens offline.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from loadtests.capacity.model import INTERVAL_MIN, microsoft_band  # noqa: E402


def duration_plot(
    curve: list[tuple[int, float]],
    simulated: list[dict[str, Any]],
    scenario_users: int,
    scenario_minutes: float,
    path: Path,
) -> Path:
    """Initial-cycle minutes against users in scope: the model's curve, simulated points, Microsoft's band."""
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    xs = [n for n, _ in curve]
    lo = [microsoft_band(n)[0] for n in xs]
    hi = [microsoft_band(n)[1] for n in xs]
    ax.fill_between(
        xs, lo, hi, color="tab:orange", alpha=0.2, label="Microsoft's estimate (0.01–0.08 × N min)"
    )
    shown = [(n, m) for n, m in curve if m > 0]  # below that the full bucket covers the whole cycle
    ax.plot([n for n, _ in shown], [m for _, m in shown], color="tab:blue", label="predicted (this model)")
    simulated = [s for s in simulated if s["initial_simulated_s"] > 0]
    if simulated:
        ax.scatter(
            [s["users"] for s in simulated],
            [s["initial_simulated_s"] / 60 for s in simulated],
            color="tab:green",
            zorder=3,
            label="simulated (engine on virtual time)",
        )
    ax.scatter([scenario_users], [scenario_minutes], marker="*", s=160, color="tab:red", zorder=4,
               label=f"your tenant ({scenario_users:,} in scope)")  # fmt: skip
    ax.axhline(INTERVAL_MIN, color="grey", linestyle="--", linewidth=1, label="40-minute interval")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("users in scope")
    ax.set_ylabel("initial cycle (minutes)")
    ax.set_title("Initial cycle duration against tenant size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def budget_plot(timeline: dict[str, Any], path: Path) -> Path:
    """Target writes during one simulated initial cycle, against what the app+tenant write budget allows."""
    writes = timeline["write_times"]
    quota, window = timeline["writes_quota"], timeline["writes_window_s"]
    rate = quota / window
    end = max(timeline["seconds"], 1.0)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), dpi=110, sharex=True)
    top.plot(writes, range(1, len(writes) + 1), color="tab:blue", label="writes sent (cumulative)")
    top.plot(
        [0, end], [quota, quota + rate * end], color="tab:red", linestyle="--", label="budget: quota + refill"
    )
    top.set_ylabel("writes")
    top.legend(fontsize=8, loc="upper left")
    top.grid(True, alpha=0.3)
    top.set_title(f"Write budget use, one initial cycle of {timeline['users']:,} users (virtual time)")
    step = max(5.0, end / 60)
    bins = [i * step for i in range(int(end // step) + 2)]
    counts = [0] * (len(bins) - 1)
    for t in writes:
        counts[min(int(t // step), len(counts) - 1)] += 1
    bottom.bar(bins[:-1], [c / step / rate * 100 for c in counts], width=step, align="edge", color="tab:blue")
    bottom.axhline(100, color="tab:red", linestyle="--", linewidth=1, label="100% of the refill rate")
    throttles = timeline["throttle_times"]
    if throttles:
        bottom.plot(throttles, [2] * len(throttles), "|", color="black", markersize=6, label="429 answered")
    bottom.set_ylim(0, 150)
    if counts and counts[0] / step / rate > 1.5:
        bottom.annotate("spending the initial quota", (bins[0] + step, 140), fontsize=8, va="top")
    bottom.set_ylabel("use of the refill rate (%)")
    bottom.set_xlabel("seconds into the cycle")
    bottom.legend(fontsize=8, loc="upper right")
    bottom.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def html_page(title: str, summary_rows: list[tuple[str, str]], images: list[Path], path: Path) -> Path:
    """One self-contained HTML file: the summary table and the PNGs inlined as base64."""
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary_rows)
    imgs = "".join(
        f'<figure><img alt="{html.escape(p.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"></figure>'
        for p in images
    )
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}"
        "th{text-align:left;padding-right:1em}img{max-width:100%}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><table>{rows}</table>{imgs}</body></html>"
    )
    return path
