"""Job files are strict: a misspelt key at any depth fails with the file, the line, the table and the
closest valid key; both licence spellings are accepted, as in world files; messages print literally."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccsync.cli import main
from simulator.world import WorldError, load_world
from syncengine.config import ConfigError, load_job
from syncengine.model import LicencePolicy

JOB = """name = "strict"
cross_cloud = true

[source]
cloud = "commercial"
tenant_id = "11111111-1111-1111-1111-111111111111"
client_id = "c1"
client_secret_env = "CCSYNC_STRICT_SECRET"
service_principal_id = "sp"

[target]
cloud = "gcch"
tenant_id = "22222222-2222-2222-2222-222222222222"
client_id = "c2"
client_secret_env = "CCSYNC_STRICT_SECRET"

[scope]
sync_all = false

[[scope.filter]]
name = "Engineering"
clauses = [{attribute = "department", operator = "EQUALS", values = ["Engineering"]}]

[safety]
deletion_threshold = 5
licence_policy = "warn"
"""


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCSYNC_STRICT_SECRET", "s3cret-value")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "job.toml"
    path.write_text(text)
    return path


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_reference_job_loads(tmp_path: Path) -> None:
    loaded = load_job(_write(tmp_path, JOB))
    assert loaded.job.safety.deletion_threshold == 5


@pytest.mark.parametrize(
    ("old", "new", "table", "suggestion"),
    [
        ('name = "strict"', 'nmae = "strict"\nname = "strict"', "", "name"),
        ("deletion_threshold = 5", "deletion_treshold = 5", "[safety]", "deletion_threshold"),
        ("sync_all = false", "sync_al = false", "[scope]", "sync_all"),
        ('client_id = "c1"', 'client_id = "c1"\nclient_secret_evn = "X"', "[source]", "client_secret_env"),
        ('name = "Engineering"', 'nme = "Engineering"\nname = "Engineering"', "[scope.filter]", "name"),
        ("{attribute =", "{atribute =", "[scope.filter.clauses]", "attribute"),
        ('licence_policy = "warn"', 'licence_polcy = "warn"', "[safety]", "licence_policy"),
    ],
)
def test_a_misspelt_key_names_file_line_table_and_the_closest_key(
    tmp_path: Path, old: str, new: str, table: str, suggestion: str
) -> None:
    text = JOB.replace(old, new, 1)
    path = _write(tmp_path, text)
    bad_key = next(w for w in new.replace("{", " ").split() if w not in old.replace("{", " ").split())
    with pytest.raises(ConfigError) as err:
        load_job(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{_line(text, bad_key)}: {table}".rstrip()), message
    assert f"unknown key '{bad_key}'" in message
    assert f"did you mean '{suggestion}'?" in message


def test_both_licence_spellings_are_accepted_as_in_world_files(tmp_path: Path) -> None:
    text = JOB.replace('licence_policy = "warn"', 'license_policy = "enforce"')
    assert load_job(_write(tmp_path, text)).job.safety.licence_policy is LicencePolicy.ENFORCE
    both = JOB.replace('licence_policy = "warn"', 'licence_policy = "warn"\nlicense_policy = "warn"')
    with pytest.raises(ConfigError, match="keep one"):
        load_job(_write(tmp_path, both))


def test_validate_refuses_a_misspelt_safety_key_instead_of_running_unprotected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = _write(tmp_path, JOB.replace("deletion_threshold = 5", "deletion_treshold = 5"))
    assert main(["sync", "validate", "--config", str(path)]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "[safety] unknown key 'deletion_treshold'" in out
    assert "s3cret-value" not in out


def test_messages_print_literally_with_their_section_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = _write(tmp_path, JOB.replace('cloud = "gcch"', 'cloud = "gcc-high"'))
    assert main(["sync", "validate", "--config", str(path)]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "[target]: cloud = 'gcc-high'" in out


def test_a_misspelt_world_file_key_at_depth_names_line_and_suggestion(tmp_path: Path) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(
        "version: 1\ntenants:\n  - name: Contoso\n    cloud: commercial\n    users: 3\n"
        "    groups:\n      - name: Eng\n        descripton: engineers\n"
    )
    with pytest.raises(WorldError) as err:
        load_world(world)
    message = str(err.value)
    assert "line 8" in message and "descripton" in message and "did you mean 'description'" in message


def test_a_job_file_cannot_anchor_on_the_service_internal_alternative_security_ids(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='Use kind = "extensionAttribute"'):
        load_job(_write(tmp_path, JOB + '\n[anchor]\nkind = "alternativeSecurityIds"\n'))
    loaded = load_job(_write(tmp_path, JOB))
    assert loaded.job.anchor.kind.value == "extensionAttribute"  # the default: what Graph lets apps use
