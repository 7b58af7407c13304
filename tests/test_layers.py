"""The project's imports run down the layers of docs/architecture.md, and close no cycle.

Every module is parsed (not imported): an edge runs from a module to each module of the project's
packages it imports, at the top or inside a function, except under ``if TYPE_CHECKING:`` (those never
run). No package may hold a cycle between modules (``KNOWN_CYCLES`` would list one still to break);
``simulator``, ``ccsync`` and ``syncengine`` also follow ``LAYERS`` and ``ENGINE_USERS``, and a failure
names the import and the two layers.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ccsync", "simulator", "syncengine", "scenarios", "loadtests")
#: The packages whose imports follow the layers below (scenarios and load tests sit above all of them).
LAYERED = ("ccsync", "simulator", "syncengine")

#: Import cycles that exist today, each as the set of modules of its strongly connected component.
KNOWN_CYCLES: list[frozenset[str]] = []

#: The simulator's layers, lowest first (docs/architecture.md draws them). A module may import modules of
#: its own package and of lower layers, never of its own layer's other packages or of a higher layer.
#: The longest matching prefix decides a module's layer.
LAYERS: dict[str, int] = {
    # 0: facts and values every layer uses
    "simulator": 0,  # the package itself (``__init__``)
    "simulator.clouds": 0,
    "simulator.clock": 0,
    "simulator.json_input": 0,
    "simulator.trust": 0,
    "simulator.wire": 0,
    # 1: the state
    "simulator.directory": 1,
    # 2: services over the state, independent of each other
    "simulator.identity": 2,
    "simulator.traffic": 2,
    "simulator.provisioning": 2,
    "simulator.world": 2,
    "simulator.endpoints": 2,
    # 3: the Graph router
    "simulator.graph": 3,
    # 4: the engine's seam over the Graph router, in process (the runtime gives it to the provisioning service)
    "simulator.simulated_graph": 4,
    # 5: one running simulator, composed
    "simulator.runtime": 5,
    # 6: the HTTP adapter: login, Graph and control apps, and serving them on local ports
    "simulator.web": 6,
    # 7: the test kit: starts the endpoints (web.serve) and drives them with real clients
    "simulator.testing": 7,
    # 8: the composition root: the ``ccsync`` command, its demo, the entry points
    "ccsync": 8,
    # 9: ``python -m simulator``, an entry point of the command
    "simulator.__main__": 9,
}

#: The only places of the simulator that may import the engine, and why (docs/architecture.md).
ENGINE_USERS: dict[str, str] = {
    "simulator.provisioning": "the simulated Entra service runs the engine's cycles",
    "simulator.simulated_graph": "it implements the engine's seam, GraphBackend",
    "simulator.clouds": "the cloud facts are one table, syncengine/clouds.py",
    "simulator.testing": "the test kit configures a sync pair with the engine's setup code",
    "ccsync": "the composition root",
}

#: Imports that run against the rules today (importer, imported); issue 13 empties this list.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements under ``node`` that can run: not those in an ``if TYPE_CHECKING:`` body."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _imports(child)


def _targets(name: str, path: Path, stmt: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules of the two packages that one import statement loads."""
    if isinstance(stmt, ast.Import):
        wanted = [alias.name for alias in stmt.names]
    else:
        base = stmt.module or ""
        if stmt.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[: len(package) - (stmt.level - 1)]
            base = ".".join([*package, base] if base else package)
        # ``from pkg import x`` loads the module pkg.x when there is one, else takes x from pkg
        wanted = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in stmt.names]
    found = set()
    for target in wanted:
        while target and target not in known:  # ``import a.b.attr``-like: the nearest module
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the two packages it imports when it runs."""
    mods = modules()
    known = set(mods)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = set()
        for stmt in _imports(tree):
            graph[name] |= _targets(name, path, stmt, known)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def shortest_cycle(graph: dict[str, set[str]], component: frozenset[str]) -> list[str]:
    """One shortest cycle through the first module (by name) of a component, for the message."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start} in its own component")  # pragma: no cover


def _describe(graph: dict[str, set[str]], component: frozenset[str]) -> str:
    cycle = " -> ".join(shortest_cycle(graph, component))
    return f"{cycle}\n    (component: {', '.join(sorted(component))})"


def test_no_import_cycle_between_modules() -> None:
    graph = import_graph()
    components = strongly_connected(graph)
    new = [c for c in components if c not in KNOWN_CYCLES]
    gone = [c for c in KNOWN_CYCLES if c not in components]
    problems = [f"import cycle: {_describe(graph, c)}" for c in new]
    problems += [
        f"known cycle no longer there (remove it from KNOWN_CYCLES): {', '.join(sorted(c))}" for c in gone
    ]
    assert not problems, "\n".join(problems)


def layer_of(module: str) -> tuple[str, int] | None:
    """The longest ``LAYERS`` prefix of ``module`` and its layer, or None for the engine.

    ``simulator`` names only the package's ``__init__``: every module under it needs its own entry.
    """
    if module == "simulator":
        return module, LAYERS[module]
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS and prefix != "simulator":
            return prefix, LAYERS[prefix]
    return None


def _allowed(importer: str, imported: str) -> bool:
    if importer.startswith("syncengine"):
        return not imported.startswith(("simulator", "ccsync"))
    if imported.startswith("syncengine"):
        return importer.startswith("ccsync") or any(
            importer == user or importer.startswith(f"{user}.") for user in ENGINE_USERS
        )
    src, dst = layer_of(importer), layer_of(imported)
    assert src is not None and dst is not None, f"{importer} or {imported} has no layer in LAYERS"
    if src[0] == dst[0]:
        return True
    return dst[1] < src[1]


def violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The imports that run up a layer, across one layer, or into the engine from a place not allowed."""
    return {
        (a, b)
        for a, targets in graph.items()
        if a.split(".")[0] in LAYERED
        for b in targets
        if b.split(".")[0] in LAYERED and not _allowed(a, b)
    }


def test_imports_run_only_down_the_layers() -> None:
    graph = import_graph()
    found = violations(graph)
    new = sorted(found - KNOWN_VIOLATIONS)
    gone = sorted(KNOWN_VIOLATIONS - found)
    problems = [
        f"{a} imports {b}: {layer_of(a)} may not import {layer_of(b) or 'the engine'}" for a, b in new
    ]
    problems += [f"no longer imported (remove from KNOWN_VIOLATIONS): {a} -> {b}" for a, b in gone]
    assert not problems, "\n".join(problems)


def test_every_simulator_module_has_a_layer() -> None:
    missing = [m for m in modules() if m.split(".")[0] in ("simulator", "ccsync") and layer_of(m) is None]
    assert not missing, f"add these to LAYERS: {missing}"


# -- the checker itself, on small trees -------------------------------------------------------------


def test_the_checker_sees_a_cycle_through_a_function_import_but_not_through_type_checking() -> None:
    def edges(source: str, name: str = "simulator.a") -> set[str]:
        known = {"simulator", "simulator.a", "simulator.b", "simulator.c"}
        tree = ast.parse(source)
        return set().union(*(_targets(name, Path("a.py"), s, known) for s in _imports(tree)), set())

    assert edges("def f():\n    from simulator.b import thing\n") == {"simulator.b"}
    assert edges("if TYPE_CHECKING:\n    from simulator.b import B\nelse:\n    import simulator.c\n") == {
        "simulator.c"
    }
    assert edges("from . import b\nfrom .c import x\n") == {"simulator.b", "simulator.c"}
    graph = {"simulator.a": {"simulator.b"}, "simulator.b": {"simulator.c"}, "simulator.c": {"simulator.a"}}
    (component,) = strongly_connected(graph)
    assert shortest_cycle(graph, component) == ["simulator.a", "simulator.b", "simulator.c", "simulator.a"]
    assert strongly_connected({"simulator.a": {"simulator.b"}, "simulator.b": set()}) == []


def test_the_layer_rules_refuse_an_import_up_across_or_into_the_engine() -> None:
    assert _allowed("simulator.graph.router", "simulator.directory.store")
    assert not _allowed("simulator.directory.users", "simulator.graph.router")  # up
    assert not _allowed("simulator.traffic.controller", "simulator.identity.tokens")  # across
    assert _allowed("simulator.graph.router", "simulator.wire.errors")  # same package
    assert not _allowed("simulator.web.console.views", "syncengine.setup")  # engine, not allowed here
    assert _allowed("simulator.provisioning.service", "syncengine.cycle")
    assert not _allowed("syncengine.cycle", "simulator.clock")
    assert _allowed("ccsync.cli", "syncengine.cli")


@pytest.mark.parametrize("package", ("simulator", "syncengine"))
def test_every_module_of_the_packages_is_read(package: str) -> None:
    assert any(name.startswith(f"{package}.") for name in modules()), f"no module found under {package}/"
