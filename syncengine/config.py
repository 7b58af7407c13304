"""Standalone jobs from a TOML file; secrets only from environment variables or files, never printed.

name = "contoso-to-gov"
cross_cloud = true                       # the "across Microsoft clouds" choice
state = "contoso-to-gov.db"              # engine state (SQLite), relative to this file
endpoints = ".ccsync/endpoints.json"     # optional: a running simulator instead of the real clouds

[source]
cloud = "commercial"
tenant_id = "…"
client_id = "…"
client_secret_env = "CCSYNC_SOURCE_SECRET"   # or client_secret_file = "secret.txt"
service_principal_id = "…"                   # the sync app's SP: its appRoleAssignedTo is the scope

[target]
cloud = "gcch"
tenant_id = "…"
client_id = "…"
client_secret_env = "CCSYNC_TARGET_SECRET"

[scope]
sync_all = false
[[scope.filter]]
name = "Engineering"
clauses = [{attribute = "department", operator = "EQUALS", values = ["Engineering"]}]

[safety]
delete_action = true
deletion_threshold = 500                 # omit to switch accidental-deletion prevention off
licence_policy = "warn"                  # or "enforce"

[anchor]
kind = "extensionAttribute"              # the only anchor Graph lets an app write and filter
extension_attribute = 15

[[mappings.extra]]
target = "jobTitle"
kind = "Direct"
source = "jobTitle"
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncengine.backend import Identity
from syncengine.clouds import CLOUDS
from syncengine.errors import SyncEngineError
from syncengine.model import (
    AnchorConfig,
    AnchorKind,
    ApplyOn,
    AttributeMapping,
    FilterClause,
    FilterGroup,
    FilterOperator,
    JobConfig,
    LicencePolicy,
    MappingKind,
    SafetyConfig,
    ScopeConfig,
)


class ConfigError(SyncEngineError, ValueError):
    """A job file that cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class LoadedJob:
    job: JobConfig
    state_path: Path
    endpoints_path: Path | None
    #: client id -> secret (kept out of every repr, log and message)
    secrets: dict[str, str]

    def __repr__(self) -> str:
        return f"LoadedJob(job={self.job.name!r}, state={str(self.state_path)!r}, secrets=<{len(self.secrets)} hidden>)"


_TOP_KEYS = {
    "name",
    "cross_cloud",
    "state",
    "endpoints",
    "source",
    "target",
    "scope",
    "safety",
    "anchor",
    "mappings",
    "target_domain",
}


#: The keys of every table of a job file (``"scope.filter"`` is each ``[[scope.filter]]``).
_TABLE_KEYS: dict[str, set[str]] = {
    "": _TOP_KEYS,
    "source": {
        "cloud",
        "tenant_id",
        "client_id",
        "client_secret",  # refused with its own message: secrets never go in the file
        "client_secret_env",
        "client_secret_file",
        "service_principal_id",
    },
    "target": {"cloud", "tenant_id", "client_id", "client_secret", "client_secret_env", "client_secret_file"},
    "scope": {"sync_all", "filter"},
    "scope.filter": {"name", "clauses"},
    "scope.filter.clauses": {"attribute", "operator", "values"},
    # both spellings, as in world files (licences / licenses)
    "safety": {"delete_action", "deletion_threshold", "licence_policy", "license_policy"},
    "anchor": {"kind", "extension_attribute"},
    "mappings": {"defaults", "extra"},
    "mappings.extra": {"target", "kind", "source", "apply", "default"},
}


def load_job(path: Path | str) -> LoadedJob:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the job file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_job(raw, path, text)


def check_keys(raw: dict[str, Any], path: Path, text: str | None = None) -> None:
    """Refuse a key no table of a job file has, naming file, line, table and the closest valid key."""
    for table, d in _tables(raw):
        allowed = _TABLE_KEYS.get(table)
        if allowed is None or not isinstance(d, dict):
            continue
        for key in d:
            if key in allowed:
                continue
            near = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            line = _line_of(text, table, key) if text is not None else None
            at = f"{path}:{line}" if line else str(path)
            section = f"[{table}] " if table else ""
            raise ConfigError(
                f"{at}: {section}unknown key '{key}'; {hint}known keys: {', '.join(sorted(allowed - {'client_secret'}))}"
            )


def _tables(raw: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (table name, table) of a parsed job file that has a fixed set of keys."""
    out: list[tuple[str, Any]] = [("", raw)]
    for name in ("source", "target", "scope", "safety", "anchor", "mappings"):
        if isinstance(raw.get(name), dict):
            out.append((name, raw[name]))
    scope = raw.get("scope") if isinstance(raw.get("scope"), dict) else {}
    for group in scope.get("filter", []) if isinstance(scope.get("filter"), list) else []:
        out.append(("scope.filter", group))
        clauses = group.get("clauses") if isinstance(group, dict) else None
        for clause in clauses if isinstance(clauses, list) else []:
            out.append(("scope.filter.clauses", clause))
    mappings = raw.get("mappings") if isinstance(raw.get("mappings"), dict) else {}
    for m in mappings.get("extra", []) if isinstance(mappings.get("extra"), list) else []:
        out.append(("mappings.extra", m))
    return out


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(?:#.*)?$")


def _line_of(text: str, table: str, key: str) -> int | None:
    """The 1-based line where ``key`` is set in ``table`` (its header line for inline tables)."""
    key_at = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    inline = re.compile(rf"[{{,]\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    head = table.split(".clauses")[0]
    current = ""
    header_line = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m:
            current = m.group(1).replace(" ", "")
            if current == head:
                header_line = n
            continue
        if current == head and (key_at.match(line) or inline.search(line)):
            return n
        if not table and not current and key_at.match(line):
            return n
    return header_line


def parse_job(raw: dict[str, Any], path: Path, text: str | None = None) -> LoadedJob:
    where = str(path)
    check_keys(raw, path, text)
    name = _req(raw, "name", str, where)
    secrets: dict[str, str] = {}
    source = _side(raw, "source", where, secrets, path.parent)
    target = _side(raw, "target", where, secrets, path.parent)
    sp_id = raw["source"].get("service_principal_id")
    scope_raw = raw.get("scope", {})
    filters = tuple(
        _filter_group(g, f"{where} [[scope.filter]] #{i + 1}")
        for i, g in enumerate(scope_raw.get("filter", []))
    )
    sync_all = bool(scope_raw.get("sync_all", False))
    if not sync_all and not sp_id:
        raise ConfigError(
            f"{where}: [source] service_principal_id is required unless [scope] sync_all = true (the assignments live on it)"
        )
    safety_raw = raw.get("safety", {})
    if "licence_policy" in safety_raw and "license_policy" in safety_raw:
        raise ConfigError(f"{where}: [safety] both licence_policy and license_policy are given; keep one")
    policy = safety_raw.get("licence_policy", safety_raw.get("license_policy", "warn"))
    if policy not in ("warn", "enforce"):
        raise ConfigError(f'{where}: [safety] licence_policy = {policy!r}; use "warn" or "enforce"')
    threshold = safety_raw.get("deletion_threshold")
    if threshold is not None and (not isinstance(threshold, int) or threshold < 1):
        raise ConfigError(
            f"{where}: [safety] deletion_threshold must be a positive integer (or left out to switch it off)"
        )
    safety = SafetyConfig(
        delete_action=bool(safety_raw.get("delete_action", True)),
        deletion_threshold=threshold,
        licence_policy=LicencePolicy(policy),
    )
    anchor_raw = raw.get("anchor", {})
    try:
        anchor = AnchorConfig(
            AnchorKind(anchor_raw.get("kind", "extensionAttribute")),
            int(anchor_raw.get("extension_attribute", 15)),
        )
    except ValueError:
        raise ConfigError(f'{where}: [anchor] kind must be "extensionAttribute"') from None
    if anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
        raise ConfigError(
            f'{where}: [anchor] kind "alternativeSecurityIds" is the provisioning service\'s internal '
            "anchor: Graph's v1.0 user has no such property for an app to write or filter. "
            'Use kind = "extensionAttribute".'
        )
    if not 1 <= anchor.extension_attribute <= 15:
        raise ConfigError(f"{where}: [anchor] extension_attribute must be 1 to 15")
    from syncengine import mapping

    mappings = list(mapping.DEFAULT_MAPPINGS) if raw.get("mappings", {}).get("defaults", True) else []
    for i, m in enumerate(raw.get("mappings", {}).get("extra", [])):
        mappings = [x for x in mappings if x.target != m.get("target")] + [
            _mapping(m, f"{where} [[mappings.extra]] #{i + 1}")
        ]
    from syncengine import schema_rules

    try:
        mapping.validate_mappings(tuple(mappings))
        schema_rules.validate_scoping(filters)
        if raw.get("cross_cloud", False):
            schema_rules.validate_cross_cloud(mappings)
    except mapping.MappingError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    job = JobConfig(
        name=name,
        source=source,
        target=target,
        mappings=tuple(mappings),
        scope=ScopeConfig(sync_all=sync_all, filter_groups=filters),
        safety=safety,
        anchor=anchor,
        service_principal_id=sp_id,
        cross_cloud=bool(raw.get("cross_cloud", False)),
        target_domain=raw.get("target_domain"),
    )
    state = path.parent / raw.get("state", f"{name}.ccsync-state.db")
    endpoints = path.parent / raw["endpoints"] if raw.get("endpoints") else None
    return LoadedJob(job, state, endpoints, secrets)


def _req(d: dict[str, Any], key: str, typ: type, where: str) -> Any:
    if key not in d:
        raise ConfigError(f"{where}: '{key}' is required")
    if not isinstance(d[key], typ):
        raise ConfigError(f"{where}: '{key}' must be a {typ.__name__}")
    return d[key]


def _side(raw: dict[str, Any], key: str, where: str, secrets: dict[str, str], base: Path) -> Identity:
    side = raw.get(key)
    if not isinstance(side, dict):
        raise ConfigError(
            f"{where}: a [{key}] table is required (cloud, tenant_id, client_id, client_secret_env)"
        )
    w = f"{where} [{key}]"
    cloud = _req(side, "cloud", str, w)
    if cloud not in CLOUDS:
        raise ConfigError(
            f"{w}: cloud = {cloud!r}; use one of {', '.join(CLOUDS)} (GCC tenants are 'commercial')"
        )
    ident = Identity(cloud, _req(side, "tenant_id", str, w).lower(), _req(side, "client_id", str, w))
    if "client_secret" in side:
        raise ConfigError(
            f"{w}: secrets never go in the job file; use client_secret_env or client_secret_file"
        )
    if "client_secret_env" in side:
        value = os.environ.get(side["client_secret_env"])
        if not value:
            raise ConfigError(f"{w}: environment variable {side['client_secret_env']} is not set")
    elif "client_secret_file" in side:
        f = base / side["client_secret_file"]
        try:
            value = f.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{w}: cannot read client_secret_file {f} ({exc.strerror})") from None
    else:
        raise ConfigError(f"{w}: give client_secret_env (an environment variable name) or client_secret_file")
    secrets[ident.client_id] = value
    return ident


def _filter_group(g: dict[str, Any], where: str) -> FilterGroup:
    if not isinstance(g, dict) or "name" not in g or not isinstance(g.get("clauses"), list):
        raise ConfigError(
            f"{where}: a filter needs name and clauses = [{{attribute, operator, values}}, ...]"
        )
    clauses = []
    for c in g["clauses"]:
        try:
            op = FilterOperator(str(c.get("operator", "")).replace(" ", "_"))
        except ValueError:
            raise ConfigError(
                f"{where}: unknown operator {c.get('operator')!r}; use one of {', '.join(o.value for o in FilterOperator)}"
            ) from None
        clauses.append(FilterClause(str(c.get("attribute")), op, tuple(str(v) for v in c.get("values", []))))
    return FilterGroup(g["name"], tuple(clauses))


def _mapping(m: dict[str, Any], where: str) -> AttributeMapping:
    try:
        kind = MappingKind(m.get("kind", "Direct"))
        apply = ApplyOn(
            {"Always": "Always", "OnCreate": "ObjectAddOnly", "ObjectAddOnly": "ObjectAddOnly"}[
                m.get("apply", "Always")
            ]
        )
    except (ValueError, KeyError):
        raise ConfigError(
            f"{where}: kind is Direct|Constant|Expression|None and apply is Always|OnCreate"
        ) from None
    if "target" not in m:
        raise ConfigError(f"{where}: 'target' (the target attribute) is required")
    return AttributeMapping(m["target"], kind, m.get("source"), apply, m.get("default"))


def endpoints_document(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the simulator's endpoints document ({exc})") from None
