"""``ccsync scenarios list | validate | run | new | soak``: scenario files from the command line.

``run`` is a thin layer over pytest (the scenario plugin collects the files), so every pytest option
QA already uses works the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from syncengine.cli_layout import print_json, table

DEFAULT_PATHS = ["scenarios/library"]

TEMPLATE = """\
# {title}: a ccsync scenario. Format and every keyword: docs/scenarios.md
# (`ccsync scenarios validate {path}` checks it; `ccsync scenarios run {path}` runs it).
name: {title}
# the Microsoft page this scenario encodes
cites: https://learn.microsoft.com/en-us/entra/identity/multi-tenant-organizations/cross-tenant-synchronization-overview
tags: [lifecycle]
given:
  tenants:                       # a fresh tenant per name, in its cloud (commercial, gcc, gcch, dod, china)
    source: {{cloud: commercial}}
    target: {{cloud: gcch}}
  users:                         # named users of the source; steps and expectations use these names
    alice: {{licences: [GOVERNANCE], groups: [sync], attributes: {{department: Sales}}}}
    bob: {{licences: [GOVERNANCE]}}
  groups:
    sync: {{}}
# the documented configuration in one line (add `steps: [...]` to do only some of the Graph steps)
setup: {{source: source, target: target, scope: sync, licence_policy: warn}}
steps:
  - expect: {{user: {{user: alice, userType: Member, attributes: {{department: Sales}}}}}}
  - disable: alice
  - cycles: 1                    # or `advance: PT40M`; on real tenants: provisionOnDemand
    expect:
      - user: {{user: alice, accountEnabled: false}}
      - log: {{user: alice, action: disable, status: success}}
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenarios", help="list, validate, run and write YAML scenario files; run the soak")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    ssub = p.add_subparsers(dest="scenarios_command", required=True)

    lst = ssub.add_parser("list", help="list the scenarios of files and folders")
    lst.add_argument(
        "paths", nargs="*", default=DEFAULT_PATHS, help="files or folders (default scenarios/library)"
    )
    lst.add_argument("--json", action="store_true", help="print the list as JSON")

    val = ssub.add_parser("validate", help="check scenario files; errors name file:line:column")
    val.add_argument(
        "paths", nargs="*", default=DEFAULT_PATHS, help="files or folders (default scenarios/library)"
    )
    val.add_argument("--json", action="store_true", help="print the problems as JSON")

    run = ssub.add_parser("run", help="run scenario files with pytest (the scenario plugin collects them)")
    run.add_argument(
        "paths", nargs="*", default=DEFAULT_PATHS, help="files or folders (default scenarios/library)"
    )
    run.add_argument(
        "--backend",
        choices=["inprocess", "http", "real"],
        default="inprocess",
        help="where to run (default inprocess)",
    )
    run.add_argument(
        "--endpoints", default=".ccsync/endpoints.json", help="endpoints.json of `ccsync up` (http backend)"
    )
    run.add_argument("--tenants", default="tenants.toml", help="tenants.toml of real tenants (real backend)")
    run.add_argument(
        "-n", dest="workers", default="0", help="parallel workers (pytest-xdist), e.g. 2 or auto"
    )
    run.add_argument("-k", dest="keyword", default=None, help="only scenarios whose name or tags match")
    run.add_argument("--junit", default=None, help="write JUnit XML to this file")
    run.add_argument("--html", default=None, help="write an HTML report (needs pytest-html)")
    run.add_argument("--json", action="store_true", help="print a JSON summary (from the JUnit XML)")

    new = ssub.add_parser("new", help="write a commented scenario template")
    new.add_argument("name", help="file name without .scenario.yaml, e.g. scenarios/mine/disable")
    new.add_argument("--json", action="store_true", help="print the written path as JSON")

    soak = ssub.add_parser("soak", help="random source changes, faults and restarts, then check invariants")
    soak.add_argument("--seed", type=int, action="append", help="seed (repeat for several; default 1 2 3)")
    soak.add_argument("--steps", type=int, default=500, help="random steps per seed (default 500)")
    soak.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args: argparse.Namespace, console: Console) -> int:
    cmd = args.scenarios_command
    if cmd == "list":
        return _list(args, console)
    if cmd == "validate":
        return _validate(args, console)
    if cmd == "run":
        return _run(args, console)
    if cmd == "new":
        return _new(args, console)
    if cmd == "soak":
        from scenarios.soak import run_cli

        return run_cli(args, console)
    return 2


def _files(paths: list[str], console: Console) -> list[Path] | None:
    from scenarios.loader import find_files

    try:
        return find_files(paths)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        return None


def _list(args: argparse.Namespace, console: Console) -> int:
    from scenarios.loader import ScenarioFileError, load_file

    files = _files(args.paths, console)
    if files is None:
        return 2
    rows, bad = [], 0
    for f in files:
        try:
            for sc in load_file(f):
                rows.append({"file": str(f), "line": sc.line, "name": sc.name, "tags": sc.data.get("tags", []),
                             "xfail": sc.data.get("xfail")})  # fmt: skip
        except ScenarioFileError:
            bad += 1
    if args.json:
        print_json(console, {"scenarios": rows, "invalid_files": bad})
        return 0 if not bad else 1
    t = table(None, ["scenario", "tags", "file"])
    for r in rows:
        t.add_row(r["name"], ",".join(r["tags"]), f"{Path(r['file']).name}:{r['line']}")
    console.print(t)
    console.print(
        f"{len(rows)} scenarios in {len(files)} files" + (f"; {bad} invalid (validate them)" if bad else "")
    )
    return 0 if not bad else 1


def _validate(args: argparse.Namespace, console: Console) -> int:
    from scenarios.loader import ScenarioFileError, load_file

    files = _files(args.paths, console)
    if files is None:
        return 2
    problems, count = [], 0
    for f in files:
        try:
            count += len(load_file(f))
        except ScenarioFileError as exc:
            problems.extend(exc.problems)
    if args.json:
        print_json(console, {"scenarios": count, "files": len(files),
                             "problems": [p.__dict__ for p in problems]})  # fmt: skip
    else:
        for p in problems:
            console.print(str(p), markup=False, highlight=False, soft_wrap=True)
        console.print(
            f"{count} scenarios in {len(files)} files: "
            + ("valid" if not problems else f"{len(problems)} problems")
        )
    return 0 if not problems else 1


def _run(args: argparse.Namespace, console: Console) -> int:
    cmd = [sys.executable, "-m", "pytest", *args.paths, "-p", "no:cacheprovider", "-q", "-rs"]
    cmd += ["-W", "ignore:`verify=<str>` is deprecated:DeprecationWarning"]  # httpx, inside HttpGraph
    cmd += ["-o", "testpaths=", "--rootdir", str(Path.cwd())]
    if args.backend == "http":
        cmd += ["--ccsync-backend", "http", "--ccsync-scenario-endpoints", args.endpoints]
    elif args.backend == "real":
        cmd += ["--ccsync-backend", "real", "--ccsync-real", args.tenants]
    if str(args.workers) not in ("0", ""):
        cmd += ["-n", str(args.workers)]
    elif _has_xdist():
        cmd += ["-n", "0"]
    if args.keyword:
        cmd += ["-k", args.keyword]
    junit = args.junit
    if args.json and not junit:
        import tempfile

        junit = str(Path(tempfile.mkdtemp(prefix="ccsync-junit-")) / "junit.xml")
    if junit:
        cmd += [f"--junitxml={junit}"]
    if args.html:
        cmd += [f"--html={args.html}", "--self-contained-html"]
    if args.json:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        print_json(console, {"exit_code": proc.returncode, **_junit_summary(junit)})
        return proc.returncode
    return subprocess.run(cmd).returncode


def _has_xdist() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def _junit_summary(path: str | None) -> dict[str, object]:
    import xml.etree.ElementTree as ET

    if not path or not Path(path).exists():
        return {"junit": None}
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    keys = ("tests", "failures", "errors", "skipped", "time")
    return {"junit": path, **({k: suite.get(k) for k in keys} if suite is not None else {})}


def _new(args: argparse.Namespace, console: Console) -> int:
    from scenarios.loader import SUFFIX, load_file

    path = Path(args.name if args.name.endswith(SUFFIX) else args.name + SUFFIX)
    if path.exists():
        console.print(f"[red]{path} exists; choose another name[/red]")
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    title = path.name[: -len(SUFFIX)].replace("_", " ").replace("-", " ")
    path.write_text(TEMPLATE.format(title=title, path=path), encoding="utf-8")
    load_file(path)  # the template is valid by construction; fail loudly if it ever is not
    if args.json:
        print_json(console, {"written": str(path)})
    else:
        console.print(f"wrote {path}; run it with: ccsync scenarios run {path}")
    return 0


def dump(doc: object) -> str:
    return json.dumps(doc, indent=2)
