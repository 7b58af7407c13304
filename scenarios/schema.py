"""The JSON Schema of a scenario file (``*.scenario.yaml``), used for validation and published in
``docs/scenarios.md`` (``ccsync scenarios schema`` prints it)."""

from __future__ import annotations

from typing import Any

from syncengine.clouds import FLAVOR_CLOUD

REF = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]*$", "description": "a name given in the scenario"}
DURATION = {
    "type": "string",
    "pattern": r"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$",
    "description": "ISO-8601 duration such as PT40M or P1DT6H",
}
ATTRIBUTES = {
    "type": "object",
    "description": "Graph user properties (displayName, department, jobTitle, accountEnabled, ...)",
    "propertyNames": {"pattern": "^[a-zA-Z][A-Za-z0-9]*$"},
}
SKU = {"type": "string", "description": "P1, P2, GOVERNANCE (ID_GOVERNANCE), SUITE, a part number or a skuId"}

TENANT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "cloud": {"enum": list(FLAVOR_CLOUD)},  # a tenant flavour: commercial, gcc, gcch, dod, china
        "world": {
            "type": "string",
            "description": "a tenant of the default world (domain or name, e.g. contoso.onmicrosoft.com); "
            "on real tenants: a table name of tenants.toml",
        },
        "skus": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    },
    "oneOf": [{"required": ["cloud"]}, {"required": ["world"]}],
}
USER = {
    "type": "object",
    "properties": {
        "tenant": REF,
        "licences": {"type": "array", "items": SKU},
        "groups": {"type": "array", "items": REF},
        "attributes": ATTRIBUTES,
    },
    "additionalProperties": False,
}
GROUP = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tenant": REF,
        "members": {"type": "array", "items": REF},
        "existing": {
            "type": "string",
            "description": "use the tenant's group of this displayName (simulator only)",
        },
    },
}
GUEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"tenant": REF, "of": REF, "userType": {"enum": ["Guest", "Member"]}},
    "required": ["of"],
}
MAPPING = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "target": {"type": "string"},
        "source": {"type": "string"},
        "expression": {"type": "string"},
        "constant": {"type": "string"},
        "flow": {"enum": ["Always", "ObjectAddOnly"]},
        "matching_priority": {"type": "integer", "minimum": 0},
    },
    "required": ["target"],
}
CLAUSE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "attribute": {"type": "string"},
        "operator": {
            "type": "string",
            "description": "EQUALS, NOT_EQUALS, IS_TRUE, IS_FALSE, IS_NULL, IS_NOT_NULL, REGEX, NOT_REGEX, "
            "Includes, ENDS_WITH, Greater_Than, …",
        },
        "value": {"type": ["string", "number", "boolean"]},
    },
    "required": ["attribute", "operator"],
}
SETUP_STEPS = [
    "target_cloud_setting",
    "target_partner",
    "target_inbound_sync",
    "target_inbound_redemption",
    "source_cloud_setting",
    "source_partner",
    "source_outbound_redemption",
    "configuration",
    "cross_cloud_choice",
    "test_connection",
    "job",
    "secrets",
    "mappings",
    "assign",
    "start",
]
SETUP = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "source": REF,
        "target": REF,
        "scope": {"type": "string", "description": "a group name of the scenario, or 'all' (sync all users)"},
        "licence_policy": {"enum": ["warn", "enforce"]},
        "deletion_threshold": {"type": "integer", "minimum": 1},
        "mappings": {"type": "array", "items": MAPPING},
        "scoping_filter": {
            "type": "array",
            "items": {"type": "array", "items": CLAUSE, "minItems": 1},
            "description": "groups of clauses: a user is in scope when every clause of one group holds",
        },
        "delete_action": {"type": "boolean", "description": "false: the Delete target action is off"},
        "steps": {
            "type": "array",
            "items": {"enum": SETUP_STEPS},
            "description": "the documented steps one by one (default: all of them, in this order)",
        },
        "refused": {"$ref": "#/$defs/refused"},
    },
}
USER_CHANGE = {
    "type": "object",
    "properties": {"user": REF},
    "required": ["user"],
    "additionalProperties": True,
    "description": "user: NAME plus the Graph properties to set",
}
MEMBERSHIP = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"user": REF, "group": REF},
    "required": ["user", "group"],
}
LICENCE_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"user": REF, "sku": SKU},
    "required": ["user", "sku"],
}
CREATE_USER = {
    "type": "object",
    "properties": {"user": REF, **USER["properties"]},
    "required": ["user"],
    "additionalProperties": False,
}
POLICY = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        k: {"type": "boolean"}
        for k in (
            "target_cross_cloud",
            "target_inbound_sync",
            "target_inbound_redemption",
            "source_cross_cloud",
            "source_outbound_redemption",
            "cross_cloud_choice",
        )
    },
}
FAULT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "method": {"type": "string"},
        "path": {"type": "string"},
        "status": {"type": "integer"},
        "count": {"type": "integer", "minimum": 1},
        "retry_after": {"type": "integer", "minimum": 0},
        "tenant": REF,
    },
    "required": ["method", "path", "status"],
}

#: step keyword -> schema of its value; zero-argument steps may also be written as a plain string.
STEP_ACTIONS: dict[str, Any] = {
    "create_user": CREATE_USER,
    "update": USER_CHANGE,
    "disable": REF,
    "enable": REF,
    "delete": REF,
    "restore": REF,
    "add_to_group": MEMBERSHIP,
    "remove_from_group": MEMBERSHIP,
    "assign_licence": LICENCE_CHANGE,
    "remove_licence": LICENCE_CHANGE,
    "target_update": USER_CHANGE,
    "target_delete": REF,
    "advance": DURATION,
    "cycles": {"type": "integer", "minimum": 1, "maximum": 50},
    "start": {"type": "null"},
    "pause": {"type": "null"},
    "restart": {
        "type": ["null", "object"],
        "additionalProperties": False,
        "properties": {"reset_scope": {"type": "string"}},
    },
    "provision_on_demand": REF,
    "policy": POLICY,
    "mapping": MAPPING,
    "throttling": {
        "oneOf": [
            {"enum": ["off", "documented", "scaled"]},
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "profile": {"enum": ["off", "documented", "scaled"]},
                    "factor": {"type": "number"},
                },
                "required": ["profile"],
            },
        ]
    },
    "chaos": {"type": "object", "description": "the body of PUT /_simulator/chaos"},
    "fault": FAULT,
    "restart_simulator": {"type": "null"},
    "restart_engine": {"type": "null"},
    "crash_engine": {
        "type": "integer",
        "minimum": 0,
        "description": "kill the next cycle after N Graph requests",
    },
}
#: steps only a simulator can do (skipped with a reason on real tenants).
SIMULATOR_ONLY = frozenset(
    {"throttling", "chaos", "fault", "restart_simulator", "restart_engine", "crash_engine"}
)
#: steps that wait for cycles (on real tenants: provisionOnDemand for the scenario's users).
CYCLE_WAITS = frozenset({"advance", "cycles"})
ZERO_ARGUMENT = sorted(k for k, v in STEP_ACTIONS.items() if v.get("type") in ("null", ["null", "object"]))

EXPECT_USER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "user": REF,
        "exists": {"type": "boolean"},
        "soft_deleted": {"type": "boolean"},
        "userType": {"enum": ["Member", "Guest"]},
        "accountEnabled": {"type": "boolean"},
        "attributes": {"type": "object"},
        "absent_attributes": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["user"],
}
EXPECT_KINDS: dict[str, Any] = {
    "user": EXPECT_USER,
    "synced_users": {"type": "integer", "minimum": 0},
    "job": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "status": {"enum": ["NotRun", "Active", "Paused", "Quarantine", "NotConfigured"]},
            "quarantine_reason": {"type": "string"},
            "error_code": {"type": "string"},
            "steady": {"type": "boolean"},
        },
    },
    "log": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "user": REF,
            "action": {"enum": ["create", "update", "delete", "disable", "stagedDelete", "other"]},
            "status": {"enum": ["success", "failure", "skipped", "warning"]},
            "error_code": {"type": "string"},
            "reason_contains": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "at_least": {"type": "integer", "minimum": 0},
        },
    },
    "audit": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "tenant": REF,
            "activity": {"type": "string"},
            "category": {"type": "string"},
            "initiated_by": {"type": "string"},
            "user": REF,
            "present": {"type": "boolean"},
        },
        "required": ["activity"],
    },
    "traffic": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "description": "at least this many, in the scenario's tenants (simulator counters)",
        "properties": {
            k: {"type": "integer", "minimum": 0}
            for k in ("throttled_at_least", "injected_errors_at_least", "faults_fired_at_least")
        },
    },
    "licence_warning": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "present": {"type": "boolean"},
            "count": {"type": "integer"},
            "of": {"type": "integer"},
        },
    },
}
SIMULATOR_ONLY_EXPECT = frozenset({"licence_warning", "traffic"})
#: expectations that need a scheduled cycle (provisionOnDemand, used on real tenants, runs none)
CYCLE_EXPECT = frozenset({"job"})

EXPECT_ITEM = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "propertyNames": {"enum": sorted(EXPECT_KINDS)},
    "properties": {**EXPECT_KINDS, "user": {"oneOf": [REF, EXPECT_USER]}},
}
EXPECT = {"oneOf": [EXPECT_ITEM, {"type": "array", "items": EXPECT_ITEM, "minItems": 1}]}

STEP_KEYS = sorted(STEP_ACTIONS)
STEP = {
    "oneOf": [
        {"enum": ZERO_ARGUMENT},
        {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": [*STEP_KEYS, "expect", "refused", "note"]},
            "properties": {
                **STEP_ACTIONS,
                "expect": EXPECT,
                "refused": {"$ref": "#/$defs/refused"},
                "note": {"type": "string"},
            },
        },
    ]
}

SCENARIO = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "cites", "steps"],
    "properties": {
        "name": {"type": "string", "minLength": 3},
        "cites": {
            "oneOf": [
                {"type": "string", "pattern": "^https://"},
                {"type": "array", "items": {"type": "string", "pattern": "^https://"}, "minItems": 1},
            ],
            "description": "the Microsoft page(s) the scenario encodes",
        },
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "xfail": {"type": "string", "description": "known difference: the scenario is expected to fail"},
        "requires": {
            "type": "array",
            "items": {"enum": ["simulator", "inprocess", "cycles"]},
            "description": "what the whole scenario needs: a simulator, the in-process one (restarts), or "
            "scheduled cycles (on real tenants waits are provisionOnDemand, which runs none)",
        },
        "given": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "tenants": {"type": "object", "additionalProperties": TENANT},
                "users": {"type": "object", "additionalProperties": USER},
                "groups": {"type": "object", "additionalProperties": GROUP},
                "guests": {"type": "object", "additionalProperties": GUEST},
            },
        },
        "setup": SETUP,
        "steps": {"type": "array", "items": STEP},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://ccsync.local/schemas/scenario.json",
    "title": "ccsync scenario file",
    "description": "one scenario (a mapping) or several (scenarios: [...])",
    "$defs": {
        "scenario": SCENARIO,
        "refused": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "message_contains": {"type": "string"}},
            "required": ["code"],
        },
    },
    "oneOf": [
        {"$ref": "#/$defs/scenario"},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["scenarios"],
            "properties": {
                "scenarios": {"type": "array", "items": {"$ref": "#/$defs/scenario"}, "minItems": 1}
            },
        },
    ],
}
