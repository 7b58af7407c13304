"""The ``Azure2Azure`` synchronization schema as Graph shows it, and its conversion to engine mappings."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from syncengine import mapping, schema_rules
from syncengine.model import (
    ApplyOn,
    AttributeMapping,
    FilterClause,
    FilterGroup,
    FilterOperator,
    MappingKind,
)

SOURCE_DIRECTORY = "Azure Active Directory"
TARGET_DIRECTORY = "Azure Active Directory (target tenant)"
RULE_NAME = "USER_INBOUND_USER"
OBJECT_MAPPING_NAME = "Provision Azure Active Directory Users"
_FUNCTION_NAME = re.compile(r"^\s*([A-Za-z]+)\s*\(")
_BOOLEAN_ATTRIBUTES = {"accountEnabled", "showInAddressList", "IsSoftDeleted"}


class SchemaError(ValueError):
    """A schema the service refuses: ``code`` is Graph's (``schemaInvalid``), ``message`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _source(m: AttributeMapping) -> dict[str, Any]:
    if m.kind is MappingKind.DIRECT:
        return {"type": "Attribute", "name": m.source, "expression": f"[{m.source}]", "parameters": []}
    if m.kind is MappingKind.CONSTANT:
        return {"type": "Constant", "name": m.source, "expression": f'"{m.source}"', "parameters": []}
    found = _FUNCTION_NAME.match(m.source or "")
    return {
        "type": "Function",
        "name": found.group(1) if found else "",
        "expression": m.source,
        "parameters": [],
    }


def mapping_to_graph(m: AttributeMapping) -> dict[str, Any]:
    return {
        "targetAttributeName": m.target,
        "defaultValue": m.default,
        "exportMissingReferences": False,
        "flowBehavior": "FlowWhenChanged",
        "flowType": m.apply.value,
        "matchingPriority": m.matching_priority,
        "source": _source(m) if m.kind is not MappingKind.NONE else None,
    }


def mapping_from_graph(g: Any, where: str) -> AttributeMapping:
    if not isinstance(g, dict) or not isinstance(g.get("targetAttributeName"), str):
        raise SchemaError("schemaInvalid", f"{where}: every attributeMapping needs a targetAttributeName.")
    try:
        apply = ApplyOn(g.get("flowType") or "Always")
    except ValueError:
        raise SchemaError(
            "schemaInvalid",
            f"{where}: flowType {g.get('flowType')!r} is not supported; use Always or ObjectAddOnly.",
        ) from None
    src = g.get("source")
    if src is None:
        kind, text = MappingKind.NONE, None
    elif not isinstance(src, dict):
        raise SchemaError("schemaInvalid", f"{where}: source must be an attributeMappingSource object.")
    elif src.get("type") == "Attribute":
        kind, text = MappingKind.DIRECT, src.get("name") or (src.get("expression") or "").strip("[]")
    elif src.get("type") == "Constant":
        kind, text = (
            MappingKind.CONSTANT,
            src.get("name") if src.get("name") is not None else (src.get("expression") or "").strip('"'),
        )
    elif src.get("type") == "Function":
        kind, text = MappingKind.EXPRESSION, src.get("expression")
        if not text:
            raise SchemaError("schemaInvalid", f"{where}: a Function source needs its expression text.")
    else:
        raise SchemaError("schemaInvalid", f"{where}: source.type must be Attribute, Constant or Function.")
    priority = g.get("matchingPriority") or 0
    if not isinstance(priority, int):
        raise SchemaError("schemaInvalid", f"{where}: matchingPriority must be an integer.")
    return AttributeMapping(g["targetAttributeName"], kind, text, apply, g.get("defaultValue"), priority)


def scope_from_graph(scope: Any, where: str) -> tuple[FilterGroup, ...]:
    if scope is None:
        return ()
    if not isinstance(scope, dict):
        raise SchemaError("schemaInvalid", f"{where}: scope must be a filter object with groups.")
    out = []
    for gi, g in enumerate(scope.get("groups") or []):
        clauses = []
        for ci, c in enumerate(g.get("clauses") or []):
            name = str(c.get("operatorName", "")).replace(" ", "_")
            try:
                op = FilterOperator(name)
            except ValueError:
                known = ", ".join(o.value for o in FilterOperator)
                raise SchemaError(
                    "schemaInvalid",
                    f"{where}: scope group {gi + 1} clause {ci + 1}: unknown operatorName {c.get('operatorName')!r}; use one of {known}.",
                ) from None
            values = ((c.get("targetOperand") or {}).get("values")) or []
            clauses.append(FilterClause(str(c.get("sourceOperandName")), op, tuple(str(v) for v in values)))
        out.append(FilterGroup(str(g.get("name") or f"Filter {gi + 1}"), tuple(clauses)))
    return tuple(out)


def _attributes(names: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": n,
            "type": "Boolean" if n in _BOOLEAN_ATTRIBUTES else "String",
            "anchor": n == "id",
            "caseExact": False,
            "multivalued": n in ("alternativeSecurityIds", "businessPhones", "otherMails", "proxyAddresses"),
            "required": False,
            "mutability": "ReadWrite",
            "flowNullValues": False,
            "defaultValue": None,
            "apiExpressions": [],
            "metadata": [],
            "referencedObjects": [],
        }
        for n in names
    ]


def default_schema(job_id: str) -> dict[str, Any]:
    """The ``Azure2Azure`` schema a new job starts with (reference §2.7 and graph-protocol §6.6)."""
    source_attrs = sorted(
        mapping.source_attributes(mapping.DEFAULT_MAPPINGS)
        | {"id", "netId", "IsSoftDeleted", "jobTitle", "surname", "companyName", "usageLocation"}
    )
    target_attrs = sorted(
        {m.target for m in mapping.DEFAULT_MAPPINGS}
        | {"id", "jobTitle", "surname", "companyName", "usageLocation"}
    )
    return {
        "id": job_id,
        "version": "v1.2",
        "directories": [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, SOURCE_DIRECTORY)), "name": SOURCE_DIRECTORY, "version": "1.0", "readOnly": False,
             "discoverabilities": "AttributeNames, AttributeDataTypes", "discoveryDateTime": None,
             "objects": [{"name": "User", "supportedApis": [], "metadata": [], "attributes": _attributes(source_attrs)}]},
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, TARGET_DIRECTORY)), "name": TARGET_DIRECTORY, "version": "1.0", "readOnly": False,
             "discoverabilities": "AttributeNames, AttributeDataTypes", "discoveryDateTime": None,
             "objects": [{"name": "User", "supportedApis": [], "metadata": [], "attributes": _attributes(target_attrs)}]},
        ],
        "synchronizationRules": [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job_id}/{RULE_NAME}")),
                "name": RULE_NAME,
                "priority": 1,
                "editable": True,
                "sourceDirectoryName": SOURCE_DIRECTORY,
                "targetDirectoryName": TARGET_DIRECTORY,
                "containerFilter": None,
                "groupFilter": None,
                "metadata": [
                    {"key": "defaultSourceObjectMappings", "value": "User"},
                    {"key": "supportsProvisionOnDemand", "value": "true"},
                ],
                "objectMappings": [
                    {
                        "name": OBJECT_MAPPING_NAME,
                        "enabled": True,
                        "sourceObjectName": "User",
                        "targetObjectName": "User",
                        "flowTypes": "Add, Update, Delete",
                        "metadata": [],
                        "scope": None,
                        "attributeMappings": [mapping_to_graph(m) for m in mapping.DEFAULT_MAPPINGS],
                    }
                ],
            }
        ],
    }  # fmt: skip


def parse_schema(doc: Any) -> tuple[tuple[AttributeMapping, ...], tuple[FilterGroup, ...], bool]:
    """Mappings, scoping filter groups and whether the Delete target action is on, from a schema body."""
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("synchronizationRules"), list)
        or not doc["synchronizationRules"]
    ):
        raise SchemaError(
            "schemaInvalid", "The schema needs synchronizationRules with the USER_INBOUND_USER rule."
        )
    rule = next(
        (r for r in doc["synchronizationRules"] if isinstance(r, dict) and r.get("name") == RULE_NAME), None
    )
    if rule is None:
        raise SchemaError(
            "schemaInvalid", f"The {RULE_NAME} synchronization rule cannot be removed or renamed."
        )
    users = next(
        (
            o
            for o in rule.get("objectMappings") or []
            if isinstance(o, dict) and o.get("sourceObjectName") == "User"
        ),
        None,
    )
    if users is None:
        raise SchemaError("schemaInvalid", "The User object mapping cannot be removed.")
    mappings = tuple(
        mapping_from_graph(g, f"attributeMappings[{i}]")
        for i, g in enumerate(users.get("attributeMappings") or [])
    )
    try:
        mapping.validate_mappings(mappings)
    except mapping.MappingError as exc:
        raise SchemaError(exc.code, str(exc)) from None
    scope = scope_from_graph(users.get("scope"), "objectMappings[User].scope")
    try:
        schema_rules.validate_scoping(scope)
    except mapping.MappingError as exc:
        raise SchemaError(exc.code, str(exc)) from None
    flows = {f.strip() for f in str(users.get("flowTypes") or "Add, Update, Delete").split(",")}
    return mappings, scope, "Delete" in flows


def merge_schema(current: dict[str, Any], patch: Any) -> dict[str, Any]:
    """PATCH semantics for the schema: top-level keys replace the current ones."""
    if not isinstance(patch, dict):
        raise SchemaError("schemaInvalid", "The request body must be a synchronizationSchema object.")
    merged = copy.deepcopy(current)
    merged.update({k: v for k, v in patch.items() if k != "id"})
    return merged
