"""What the cross-tenant synchronization service refuses in a job's scope and mappings.

Microsoft documents these limits (reference §2.6–2.7, §2.14): scoping filters cannot test ``userType``,
``manager``, ``IsMemberOf``/group ``members``, ``appRoleAssignments``, multi-valued or date-type
attributes; the ``manager`` attribute is not synchronized across clouds. The error code is
``schemaInvalid`` (the code the service uses for a schema it cannot accept); the wording is ours.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncengine.mapping import SCHEMA_INVALID, MappingError
from syncengine.model import AttributeMapping, FilterGroup

#: Source attributes a scoping filter cannot test, with the reason the admin is told.
UNSUPPORTED_SCOPING = {
    "usertype": "userType is not supported in scoping filters",
    "manager": "manager is not supported in scoping filters",
    "ismemberof": "IsMemberOf is not supported in scoping filters (assign the group instead)",
    "members": "group membership is not supported in scoping filters (assign the group instead)",
    "memberof": "group membership is not supported in scoping filters (assign the group instead)",
    "approleassignments": "appRoleAssignments is not supported in scoping filters",
}
#: Multi-valued user attributes (not supported in scoping filters).
MULTI_VALUED = frozenset(
    {
        "alternativesecurityids", "assignedlicenses", "assignedplans", "businessphones", "identities",
        "imaddresses", "othermails", "provisionedplans", "proxyaddresses", "schools", "skills", "interests",
        "pastprojects", "responsibilities",
    }
)  # fmt: skip
#: Date-type user attributes (not supported in scoping filters).
DATES = frozenset(
    {
        "birthday", "createddatetime", "deleteddatetime", "employeehiredate", "employeeleavedatetime",
        "externaluserstatechangedatetime", "hiredate", "lastpasswordchangedatetime",
        "onpremiseslastsyncdatetime", "refreshtokensvalidfromdatetime", "signinsessionsvalidfromdatetime",
    }
)  # fmt: skip


def validate_scoping(groups: Sequence[FilterGroup]) -> None:
    """Refuse a scoping filter on an attribute the service cannot test; raises ``MappingError``."""
    for gi, group in enumerate(groups):
        for ci, clause in enumerate(group.clauses):
            name = clause.attribute.strip().lower()
            why = UNSUPPORTED_SCOPING.get(name)
            if why is None and name in MULTI_VALUED:
                why = f"{clause.attribute} is multi-valued; multi-valued attributes are not supported in scoping filters"
            if why is None and name in DATES:
                why = (
                    f"{clause.attribute} is a date; date-type attributes are not supported in scoping filters"
                )
            if why is None and name.startswith("extension_") and name.endswith("[]"):
                why = "multi-valued directory extensions are not supported in scoping filters"
            if why is not None:
                raise MappingError(
                    SCHEMA_INVALID,
                    f"Scoping filter '{group.name}' (group {gi + 1}, clause {ci + 1}): {why}.",
                )


def validate_cross_cloud(mappings: Sequence[AttributeMapping]) -> None:
    """Refuse a mapping the service does not synchronize across clouds (``manager``)."""
    for m in mappings:
        if m.target.lower() == "manager":
            raise MappingError(
                SCHEMA_INVALID,
                "The manager attribute is not synchronized across Microsoft clouds; remove the mapping "
                "to 'manager' from this cross-cloud configuration.",
            )


__all__ = ["DATES", "MULTI_VALUED", "UNSUPPORTED_SCOPING", "validate_cross_cloud", "validate_scoping"]
