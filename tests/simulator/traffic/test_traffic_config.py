"""Where the profile comes from: ``ccsync up --traffic``, the world file's ``traffic``, reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccsync.cli import build_parser, main
from simulator.runtime import Simulator, SimulatorConfig


def test_cli_parses_the_traffic_flags() -> None:
    args = build_parser().parse_args(["up", "--traffic", "scaled", "--traffic-factor", "25"])
    assert (args.traffic, args.traffic_factor) == ("scaled", 25.0)
    defaults = build_parser().parse_args(["up"])
    assert (defaults.traffic, defaults.traffic_factor) == (None, None)


@pytest.mark.parametrize(
    "argv", [["--traffic", "heavy"], ["--traffic-factor", "0"], ["--traffic-factor", "x"]]
)
def test_cli_refuses_bad_traffic_flags(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["up", *argv])
    assert exc.value.code == 2
    assert "--traffic" in capsys.readouterr().err


def test_cli_refuses_a_factor_without_the_scaled_profile(tmp_path: Path) -> None:
    assert main(["up", "--data-dir", str(tmp_path), "--traffic", "documented", "--traffic-factor", "5"]) == 2


def _world(tmp_path: Path, traffic: str) -> Path:
    path = tmp_path / "world.yaml"
    path.write_text(f"version: 1\ntraffic: {traffic}\ntenants: []\n")
    return path


def test_the_world_file_profile_applies_unless_the_config_overrides_it(tmp_path: Path) -> None:
    sim = Simulator(SimulatorConfig(data_dir=tmp_path, world=_world(tmp_path, "documented")))
    sim.load_world()
    assert sim.traffic.describe()["profile"] == "documented" and sim.router.traffic is sim.traffic
    sim.set_traffic("off")
    assert sim.router.traffic is None
    sim.reset()  # back to the world as started, traffic included
    assert sim.traffic.describe()["profile"] == "documented"

    config = SimulatorConfig(
        data_dir=tmp_path, world=_world(tmp_path, "documented"), traffic="scaled", traffic_factor=4
    )
    overridden = Simulator(config)
    overridden.load_world()
    shown = overridden.traffic.describe()
    assert (shown["profile"], shown["factor"]) == ("scaled", 4)
    assert shown["limits"]["small_tenant_ru"]["quota"] == 875


def test_traffic_is_off_by_default(tmp_path: Path) -> None:
    sim = Simulator(SimulatorConfig(data_dir=tmp_path, world=_world(tmp_path, "off")))
    sim.load_world()
    assert sim.router.traffic is None and sim.traffic.describe()["profile"] == "off"


def test_a_simulator_started_without_building_the_world_still_takes_its_traffic(tmp_path: Path) -> None:
    from simulator.testing import running_simulator

    with running_simulator(world=_world(tmp_path, "scaled"), empty=True) as sim:
        assert sim.traffic.describe()["profile"] == "scaled" and sim.router.traffic is sim.traffic
