"""The pytest plugin (``pytest11`` entry point ``scenarios``): every ``*.scenario.yaml`` file is
collected, one test item per scenario, so ``-k``, ``-n`` (xdist), ``--junitxml`` and markers work.

Backends: the in-process simulator (default), ``--ccsync-scenario-endpoints FILE`` for a running
``ccsync up`` (``--ccsync-endpoints`` of the test kit is honoured too, with -n 0), ``--ccsync-real tenants.toml``
for real tenants.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scenarios.loader import SUFFIX, Scenario, ScenarioFileError, load_file

_BACKEND_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ccsync-scenarios", "ccsync scenario files")
    group.addoption(
        "--ccsync-real",
        metavar="TOML",
        default=None,
        help="run scenario files against the real tenants described in this tenants.toml",
    )
    group.addoption(
        "--ccsync-scenario-endpoints",
        metavar="FILE",
        default=None,
        help="run scenario files against the simulator already running with this endpoints.json (`ccsync up`); "
        "unlike --ccsync-endpoints it allows -n N (scenarios make their own tenants and take turns on its clock)",
    )
    group.addoption(
        "--ccsync-backend",
        choices=["inprocess", "http", "real"],
        default=None,
        help="where scenario files run: inprocess (default), http (needs --ccsync-endpoints) or real "
        "(needs --ccsync-real)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(name, file): a test item made from a scenario file")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def backend_kind(config: pytest.Config) -> str:
    chosen = config.getoption("ccsync_backend", None)
    if chosen:
        return chosen
    if config.getoption("ccsync_real", None):
        return "real"
    if config.getoption("ccsync_scenario_endpoints", None) or config.getoption("ccsync_endpoints", None):
        return "http"
    return "inprocess"


def _make_backend(config: pytest.Config) -> Any:
    kind = backend_kind(config)
    if kind == "real":
        from scenarios.real import RealBackend

        toml = config.getoption("ccsync_real", None)
        if not toml:
            raise pytest.UsageError("--ccsync-backend real needs --ccsync-real tenants.toml")
        return RealBackend.from_file(toml)
    if kind == "http":
        from scenarios.backends import HttpBackend

        endpoints = (
            config.getoption("ccsync_scenario_endpoints", None)
            or config.getoption("ccsync_endpoints", None)
            or ".ccsync/endpoints.json"
        )
        return HttpBackend(endpoints)
    from scenarios.backends import InProcessBackend

    return InProcessBackend()


def scenario_backend(config: pytest.Config) -> Any:
    """The backend scenario items of this process run on (one per xdist worker), made on first use."""
    backend = config.stash.get(_BACKEND_KEY, None)
    if backend is None:
        backend = _make_backend(config)
        config.stash[_BACKEND_KEY] = backend
    return backend


def pytest_unconfigure(config: pytest.Config) -> None:
    backend = config.stash.get(_BACKEND_KEY, None)
    if backend is not None:
        backend.close()


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            found = load_file(self.path)
        except ScenarioFileError as exc:
            yield BrokenScenarioFile.from_parent(self, name="<invalid scenario file>", error=exc)
            return
        for sc in found:
            item = ScenarioItem.from_parent(self, name=sc.name, scenario=sc)
            reason = sc.data.get("xfail")
            if reason:
                item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
            item.extra_keyword_matches.update(sc.data.get("tags") or [])  # -k lifecycle
            yield item


class BrokenScenarioFile(pytest.Item):
    def __init__(self, *, error: ScenarioFileError, **kw: Any) -> None:
        super().__init__(**kw)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        return str(self.error)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "invalid scenario file"


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kw: Any) -> None:
        super().__init__(**kw)
        self.scenario = scenario

    def runtest(self) -> None:
        from scenarios.backends import SkipScenario
        from scenarios.run import ScenarioRun

        backend = scenario_backend(self.config)
        run = ScenarioRun(self.scenario, backend)
        try:
            run.run()
        except SkipScenario as exc:
            pytest.skip(f"{self.scenario.where(())}: {exc}")
        self.user_properties.append(("run_id", run.run_id))
        for note in run.skipped:
            self.user_properties.append(("skipped_step", note))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        from scenarios.expect import ScenarioFailure

        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"scenario: {self.scenario.name}"
