"""Renders the permission each Graph route accepts as the Markdown of docs/permissions.md.

``python -m ccsync.permission_table > docs/permissions.md`` regenerates the page; a test checks that
the page matches the routes of a simulator as ``ccsync up`` composes it (the synchronization routes
included).
"""

from __future__ import annotations

from simulator.runtime import Simulator, SimulatorConfig


def _template(pattern: str) -> str:
    t = pattern.strip("^$").replace("\\", "")
    while "(?P<" in t:
        a = t.index("(?P<")
        name_end = t.index(">", a)
        close = t.index(")", name_end)
        t = t[:a] + "{" + t[a + 4 : name_end] + "}" + t[close + 1 :]
    return t


def render() -> str:
    router = Simulator(SimulatorConfig()).router
    lines = [
        "# Application permissions per Graph endpoint",
        "",
        "The simulator checks the `roles` claim of the access token: any one of the listed application",
        "permissions lets the call through; otherwise Graph's 403 `Authorization_RequestDenied`.",
        "Generated from the route table by `python -m ccsync.permission_table`.",
        "",
        "| method | path (under `/v1.0` or `/beta`) | any of |",
        "|---|---|---|",
    ]
    for r in router.routes:
        perms = (
            ", ".join(f"`{p}`" for p in r.permissions) or "each request of the batch is checked on its own"
        )
        lines.append(f"| {r.method} | `{_template(r.pattern.pattern)}` | {perms} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
