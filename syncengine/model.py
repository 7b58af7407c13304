"""The engine's values: job configuration, mappings, scoping filters, and what a cycle decides per object.

Frozen dataclasses and enums that travel between the stages; wire formats (Graph JSON, TOML) are
parsed into them at the edges (``config.py``, the simulated provisioning service).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from syncengine.backend import Identity
from syncengine.clouds import is_same_cloud


class MappingKind(enum.StrEnum):
    """How a target attribute gets its value (Graph ``attributeMappingSource.type`` plus portal's None)."""

    DIRECT = "Direct"
    CONSTANT = "Constant"
    EXPRESSION = "Expression"
    NONE = "None"


class ApplyOn(enum.StrEnum):
    """Graph ``attributeMapping.flowType``: ``Always`` or only when the object is created."""

    ALWAYS = "Always"
    CREATE_ONLY = "ObjectAddOnly"


@dataclass(frozen=True)
class AttributeMapping:
    """One target attribute: where its value comes from and when it flows."""

    target: str
    kind: MappingKind
    #: the source attribute (Direct), the constant text (Constant) or the expression (Expression)
    source: str | None
    apply: ApplyOn = ApplyOn.ALWAYS
    #: used on create when the mapped value is null
    default: str | None = None
    #: > 0 makes it a matching attribute (lower first)
    matching_priority: int = 0


class FilterOperator(enum.StrEnum):
    """Scoping-filter operators as the synchronization schema names them (reference §2.5)."""

    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT_EQUALS"
    ENDS_WITH = "ENDS_WITH"
    INCLUDES = "Includes"
    AMPERSAND = "&"
    NOT_AMPERSAND = "!&"
    GREATER_THAN = "Greater_Than"
    GREATER_THAN_OR_EQUALS = "Greater_Than_OR_EQUALS"
    IS_TRUE = "IS_TRUE"
    IS_FALSE = "IS_FALSE"
    IS_NULL = "IS_NULL"
    IS_NOT_NULL = "IS_NOT_NULL"
    REGEX_MATCH = "REGEX_MATCH"
    NOT_REGEX_MATCH = "NOT_REGEX_MATCH"


@dataclass(frozen=True)
class FilterClause:
    attribute: str
    operator: FilterOperator
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilterGroup:
    """Clauses ANDed; a scope's groups are ORed."""

    name: str
    clauses: tuple[FilterClause, ...]


@dataclass(frozen=True)
class ScopeConfig:
    """Who is in scope: everybody (``sync_all``) or the assigned, narrowed by filter groups."""

    sync_all: bool = False
    filter_groups: tuple[FilterGroup, ...] = ()


class LicencePolicy(enum.StrEnum):
    """What to do with in-scope users lacking the licence the pair needs."""

    WARN = "warn"
    ENFORCE = "enforce"


@dataclass(frozen=True)
class SafetyConfig:
    """Deletion and escrow protections (reference §2.10–2.12)."""

    #: the "Delete" target object action: when False, users leaving scope are not soft-deleted
    delete_action: bool = True
    #: accidental-deletion prevention: a cycle with this many or more deletes is held (None = off)
    deletion_threshold: int | None = None
    #: escrow quarantine thresholds (generic provisioning engine defaults)
    escrow_min_failures: int = 5000
    escrow_proportion: float = 0.40
    escrow_total: int = 40000
    escrow_cap_with_references: int = 60000
    licence_policy: LicencePolicy = LicencePolicy.WARN


class AnchorKind(enum.StrEnum):
    """How a target user remembers its source user (the matching attribute)."""

    #: the service's own: ``alternativeSecurityIds`` from the source ``netId``, kept in the directory's
    #: internal view (the simulated provisioning service only: Graph's v1.0 user has neither property)
    ALTERNATIVE_SECURITY_ID = "alternativeSecurityIds"
    #: for the real Graph with application permissions: an extension attribute the app can write and filter
    EXTENSION_ATTRIBUTE = "extensionAttribute"


@dataclass(frozen=True)
class AnchorConfig:
    kind: AnchorKind = AnchorKind.EXTENSION_ATTRIBUTE
    #: for EXTENSION_ATTRIBUTE: which of onPremisesExtensionAttributes 1–15
    extension_attribute: int = 15


@dataclass(frozen=True)
class JobConfig:
    """One synchronization job: a (source tenant, target tenant) pair in one direction."""

    name: str
    source: Identity
    target: Identity
    mappings: tuple[AttributeMapping, ...]
    scope: ScopeConfig = ScopeConfig()
    safety: SafetyConfig = SafetyConfig()
    anchor: AnchorConfig = AnchorConfig()
    #: the source service principal whose appRoleAssignedTo holds the assigned users and groups
    service_principal_id: str | None = None
    #: the "across Microsoft clouds" choice made when the configuration was created
    cross_cloud: bool = False
    #: target tenant initial domain, for ``#EXT#`` UPNs (read from the target organization if None)
    target_domain: str | None = None

    @property
    def is_cross_cloud(self) -> bool:
        """Whether the pair crosses Microsoft clouds (GCC High and DoD are both Azure Government)."""
        return not is_same_cloud(self.source.cloud, self.target.cloud)


class Action(enum.StrEnum):
    """``provisioningObjectSummary.provisioningAction``."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    DISABLE = "disable"
    STAGED_DELETE = "stagedDelete"
    OTHER = "other"


class Status(enum.StrEnum):
    """``provisioningStatusInfo.status`` and step status."""

    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"
    WARNING = "warning"


class StepType(enum.StrEnum):
    IMPORT = "import"
    SCOPING = "scoping"
    MATCHING = "matching"
    PROCESSING = "processing"
    REFERENCE_RESOLUTION = "referenceResolution"
    EXPORT = "export"


@dataclass(frozen=True)
class Step:
    """One ``provisioningStep``."""

    name: str
    type: StepType
    status: Status
    description: str
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class ObjectOutcome:
    """What one cycle did with one source object: the provisioning-log record's content."""

    source_id: str
    source_name: str
    source_upn: str | None
    action: Action
    status: Status
    steps: list[Step] = field(default_factory=list)
    target_id: str | None = None
    target_name: str | None = None
    modified: list[tuple[str, Any, Any]] = field(default_factory=list)
    error_code: str | None = None
    error_reason: str | None = None
    error_category: str | None = None
    skip_reason: str | None = None
    duration_ms: int = 0
