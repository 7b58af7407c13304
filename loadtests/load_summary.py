"""The one-page summary of a locust run: requests/s, percentiles, failures, and the simulator's throttling."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from syncengine.cli_layout import table

PERCENTILES = (50, 95, 99)
_COUNTERS = ("requests", "resource_units", "writes", "throttled", "retry_after_violations", "injected_errors")


def percentile(histogram: dict[int, int], pct: float) -> float:
    """The response time (ms) below which ``pct`` percent of the requests fall (locust's rounded buckets)."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    need = total * pct / 100
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= need:
            return float(ms)
    return float(max(histogram))


def _histogram(entries: list[dict[str, Any]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for e in entries:
        for ms, count in e.get("response_times", {}).items():
            out[int(float(ms))] = out.get(int(float(ms)), 0) + int(count)
    return out


def summarize(
    entries: list[dict[str, Any]], before: dict[str, Any], after: dict[str, Any], **run: Any
) -> dict[str, Any]:
    """The run in figures, from locust's final JSON statistics and the simulator's stats before and after."""
    requests = sum(e["num_requests"] for e in entries)
    failures = sum(e["num_failures"] for e in entries)
    starts = [e["start_time"] for e in entries if e["num_requests"]]
    ends = [e["last_request_timestamp"] for e in entries if e.get("last_request_timestamp")]
    span = max(ends) - min(starts) if starts and ends else 0.0
    hist = _histogram(entries)
    b, a = before.get("totals", {}), after.get("totals", {})
    traffic = {k: (a.get(k) or 0) - (b.get(k) or 0) for k in _COUNTERS}
    by_limit = dict(a.get("throttled_by_limit") or {})
    for k, v in (b.get("throttled_by_limit") or {}).items():
        by_limit[k] = by_limit.get(k, 0) - v
    traffic["throttled_by_limit"] = {k: v for k, v in by_limit.items() if v}
    rows = []
    for e in sorted(entries, key=lambda e: -e["num_requests"]):
        h = _histogram([e])
        rows.append(
            {
                "type": e["method"],
                "name": e["name"],
                "requests": e["num_requests"],
                "failures": e["num_failures"],
                **{f"p{p}_ms": percentile(h, p) for p in PERCENTILES},
            }
        )
    return {
        **run,
        "requests": requests,
        "failures": failures,
        "requests_per_s": round(requests / span, 1) if span > 0 else float(requests),
        **{f"p{p}_ms": percentile(hist, p) for p in PERCENTILES},
        "traffic": traffic,
        "by_name": rows,
    }


def render_summary(console: Console, s: dict[str, Any]) -> None:
    """A rich table of the run at 80 columns, then the throttling line."""
    t = table(
        f"{s['profile']}: {s['users']} users, {s['run_time_s']} s, {s['processes']} process(es)",
        ("request", "count", "fail", "p50", "p95", "p99"),
        right=("count", "fail", "p50", "p95", "p99"),
    )
    for r in s["by_name"][:20]:
        t.add_row(
            f"{r['type']} {r['name']}",
            str(r["requests"]),
            str(r["failures"]),
            *(f"{r[f'p{p}_ms']:.0f}" for p in PERCENTILES),
        )
    t.add_row(
        "all",
        str(s["requests"]),
        str(s["failures"]),
        *(f"{s[f'p{p}_ms']:.0f}" for p in PERCENTILES),
        style="bold",
    )
    console.print(t)
    tr = s["traffic"]
    console.print(
        f"{s['requests_per_s']} requests/s, times in ms. Simulator ({s['traffic_profile']} traffic): "
        f"{tr['requests']} Graph requests, {tr['resource_units']} RU, {tr['throttled']} throttled, "
        f"{tr['retry_after_violations']} Retry-After violations."
    )


def summary_markdown(s: dict[str, Any]) -> str:
    """The one-page summary as Markdown (summary.md in the results folder)."""
    tr = s["traffic"]
    lines = [
        f"# Load run: {s['profile']}",
        "",
        f"`{s['command']}` — {s['users']} users, {s['run_time_s']} s, {s['processes']} process(es), "
        f"source tenant {s['tenant_users']} users, traffic profile `{s['traffic_profile']}`.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests | {s['requests']} |",
        f"| requests/s | {s['requests_per_s']} |",
        *(f"| p{p} (ms) | {s[f'p{p}_ms']:.0f} |" for p in PERCENTILES),
        f"| failures | {s['failures']} |",
        f"| simulator: Graph requests | {tr['requests']} |",
        f"| simulator: resource units | {tr['resource_units']} |",
        f"| simulator: throttled (429) | {tr['throttled']} |",
        f"| simulator: Retry-After violations | {tr['retry_after_violations']} |",
        "",
        "| request | count | failures | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['type']} {r['name']} | {r['requests']} | {r['failures']} | "
            + " | ".join(f"{r[f'p{p}_ms']:.0f}" for p in PERCENTILES)
            + " |"
            for r in s["by_name"]
        ),
        "",
        "Files: locust's CSV (`locust_stats.csv`, `locust_stats_history.csv`, `locust_failures.csv`), "
        "its HTML report (`locust.html`), its final statistics (`locust.json`), the simulator's traffic "
        "stats at the end (`traffic-after.json`), this summary as JSON (`summary.json`).",
        "",
    ]
    return "\n".join(lines)
