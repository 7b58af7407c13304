"""The ``ccsync`` command line: ``up`` (run the simulator), ``demo`` (the main job)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from rich.console import Console


def _up_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("up", help="run the simulator: login and Graph endpoints of four clouds")
    p.add_argument(
        "--data-dir",
        type=Path,
        help="keep the state here durably: every acknowledged write survives a crash and a restart resumes "
        "it (default: ./.ccsync holds only the CA and endpoints.json; the state lives in memory)",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="with --data-dir: discard the saved state and build the world again",
    )
    p.add_argument(
        "--port-base", type=int, default=0, help="first of 8 consecutive ports; 0 picks free ports"
    )
    p.add_argument("--world", type=Path, help="world file (YAML); default: the built-in world")
    p.add_argument("--seed", type=int, default=42, help="seed for the generated world (default 42)")
    p.add_argument(
        "--traffic",
        choices=("off", "documented", "scaled"),
        help="throttling profile (default: the world file's 'traffic', else off); see docs/traffic.md",
    )
    p.add_argument(
        "--traffic-factor",
        type=_positive_number,
        metavar="N",
        help="with --traffic scaled: divide every budget by N (default 100)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the endpoints file path")
    p.add_argument(
        "--json", action="store_true", help="print the endpoints document as JSON (then run until stopped)"
    )


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccsync", description="Microsoft Entra cross-cloud sync simulator and engine"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _up_parser(sub)
    from syncengine.cli import add_parser as add_sync_parser
    from syncengine.cli_service import add_parsers as add_service_parsers

    add_sync_parser(sub)
    add_service_parsers(sub)
    from ccsync.cli_env import add_parser as add_env_parser

    add_env_parser(sub)
    from scenarios.cli import add_parser as add_scenarios_parser

    add_scenarios_parser(sub)
    from loadtests.cli_load import add_parser as add_load_parser

    add_load_parser(sub)
    from loadtests.cli_capacity import add_parser as add_capacity_parser

    add_capacity_parser(sub)
    d = sub.add_parser("demo", help="the main job: start the simulator and exercise it with real clients")
    d.add_argument("--seed", type=int, default=42, help="seed for the generated world (default 42)")
    d.add_argument("--json", action="store_true", help="print the cycle reports as JSON instead of the story")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    console = Console()
    if args.command == "up":
        return cmd_up(args, console)
    if args.command in ("setup", "logs"):
        from syncengine.cli_service import run

        return run(args.command, args, console)
    if args.command == "sync":
        from syncengine.cli import main as sync_main

        return sync_main(args, console)
    if args.command == "env":
        from ccsync.cli_env import run as run_env

        return run_env(args, console)
    if args.command == "scenarios":
        from scenarios.cli import run as run_scenarios

        return run_scenarios(args, console)
    if args.command == "load":
        from loadtests.cli_load import run as run_load

        return run_load(args, console)
    if args.command == "capacity":
        from loadtests.cli_capacity import run as run_capacity

        return run_capacity(args, console)
    if args.command == "demo":
        from ccsync.demo import run_demo

        return run_demo(console, seed=args.seed, as_json=args.json)
    return 2


def cmd_up(args: argparse.Namespace, console: Console) -> int:
    from ccsync.endpoints_view import render_endpoints
    from simulator.directory.journal import JournalError
    from simulator.runtime import Simulator, SimulatorConfig
    from simulator.traffic import TrafficConfigError
    from simulator.web.serve import serve
    from simulator.world import WorldError
    from syncengine.cli_layout import print_json

    if args.port_base and not 1024 <= args.port_base <= 65535 - 8:
        console.print(
            f"[red]--port-base {args.port_base}: use 0 (free ports) or a port from 1024 to 65527[/red]"
        )
        return 2
    if args.traffic_factor is not None and args.traffic not in (None, "scaled"):
        console.print("[red]--traffic-factor goes with --traffic scaled[/red]")
        return 2
    sim = Simulator(
        SimulatorConfig(
            data_dir=args.data_dir or Path(".ccsync"),
            durable=args.data_dir is not None,
            fresh=args.fresh,
            port_base=args.port_base,
            world=args.world,
            seed=args.seed,
            traffic=args.traffic,
            traffic_factor=args.traffic_factor,
        )
    )
    try:
        opened = sim.open_state()
    except (WorldError, TrafficConfigError, JournalError) as exc:
        console.print(f"{exc}", style="red", markup=False)
        return 2
    try:
        doc = serve(sim)
    except OSError as exc:
        console.print(
            f"[red]cannot open the simulator's ports: {exc}. Pick another --port-base or use 0.[/red]"
        )
        return 1
    if args.quiet:
        console.print(str(sim.data_dir / "endpoints.json"), soft_wrap=True)
    elif args.json:
        print_json(console, doc)
    else:
        render_endpoints(console, doc, sim.data_dir / "endpoints.json")
        if opened == "restored":
            console.print(f"restored the saved state of {sim.data_dir} (--fresh starts over)")
        traffic = sim.traffic.describe()
        factor = f" (factor {traffic['factor']})" if "factor" in traffic else ""
        console.print(f"traffic profile: {traffic['profile']}{factor}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
