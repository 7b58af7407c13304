"""``ccsync env``: shell lines that make requests, locust, msal, httpx, curl and Node trust the simulator.

eval "$(ccsync env)"          # trust the simulator (and keep trusting everything else)
eval "$(ccsync env --unset)"  # back to the variables as they were
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from rich.console import Console

from simulator.trust import COMBINED_NAME, TRUST_VARIABLES, export_lines, unset_lines, write_combined_bundle

DEFAULT_ENDPOINTS = Path(".ccsync/endpoints.json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "env",
        help='print shell lines that make every common client trust the simulator: eval "$(ccsync env)"',
        description="Write a CA bundle of the system CAs plus the simulator's CA next to endpoints.json and "
        f"print `export` lines pointing {', '.join(TRUST_VARIABLES)} at it (values they replace are saved "
        "for --unset).",
    )
    p.add_argument(
        "--endpoints",
        type=Path,
        default=DEFAULT_ENDPOINTS,
        help=f"the running simulator's endpoints.json (default {DEFAULT_ENDPOINTS})",
    )
    p.add_argument("--unset", action="store_true", help="print the lines that undo a previous `ccsync env`")
    p.add_argument("--json", action="store_true", help="print the variables and the bundle as JSON instead")


def run(args: argparse.Namespace, console: Console) -> int:
    # Errors go to stderr: stdout is meant for eval, where a message would run as a command.
    errors = Console(stderr=True, highlight=False)
    environ = dict(os.environ)
    if args.unset:
        lines = unset_lines(environ)
        if args.json:
            console.print_json(json.dumps({"lines": lines}))
        else:
            _emit(console, lines)
        return 0
    try:
        doc = json.loads(args.endpoints.read_text(encoding="utf-8"))
        ca = Path(doc["ca_bundle"])
    except FileNotFoundError:
        errors.print(
            f"no simulator endpoints at {args.endpoints}: start one with `ccsync up` (or give --endpoints FILE)",
            markup=False,
        )
        return 2
    except (ValueError, KeyError, TypeError, OSError) as exc:
        errors.print(f"{args.endpoints} is not a ccsync endpoints document ({exc})", markup=False)
        return 2
    if not ca.is_file():
        errors.print(
            f"the simulator CA {ca} named in {args.endpoints} is missing: restart `ccsync up`", markup=False
        )
        return 2
    bundle = write_combined_bundle(ca, args.endpoints.resolve().parent / COMBINED_NAME, environ)
    lines = export_lines(bundle, environ)
    if args.json:
        console.print_json(
            json.dumps({"bundle": str(bundle), "variables": dict.fromkeys(TRUST_VARIABLES, str(bundle))})
        )
    else:
        _emit(console, lines)
    return 0


def _emit(console: Console, lines: list[str]) -> None:
    for line in lines:
        # soft_wrap: a path longer than the terminal must stay on one line for eval
        console.print(line, markup=False, highlight=False, soft_wrap=True)
