"""The RU cost model: the documented table, its modifiers, and what counts as a write."""

from __future__ import annotations

import pytest

from simulator.traffic import Cost, request_cost


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        # unlisted: GET 1 RU; writes 1 RU and one write
        ("GET", "/users/0b2f", {}, Cost(1, False)),
        ("GET", "/groups", {}, Cost(1, False)),
        ("POST", "/users", {}, Cost(1, True)),
        ("PATCH", "/users/0b2f", {}, Cost(1, True)),
        ("PUT", "/policies/crossTenantAccessPolicy/partners/x/identitySynchronization", {}, Cost(1, True)),
        ("DELETE", "/groups/g1/members/m1/$ref", {}, Cost(1, True)),
        # the documented table
        ("GET", "/users", {}, Cost(2, False)),
        ("GET", "/applications", {}, Cost(2, False)),
        ("GET", "/applications/a1/extensionProperties", {}, Cost(2, False)),
        ("GET", "/contracts", {}, Cost(3, False)),
        ("POST", "/directoryObjects/getByIds", {}, Cost(5, False)),
        ("POST", "/getObjectsById", {}, Cost(5, False)),
        ("GET", "/domains/contoso.com/domainNameReferences", {}, Cost(4, False)),
        ("GET", "/groups/g1/members", {}, Cost(3, False)),
        ("GET", "/groups/g1/transitiveMembers", {}, Cost(5, False)),
        ("POST", "/users/u1/checkMemberGroups", {}, Cost(4, False)),
        ("POST", "/me/checkMemberObjects", {}, Cost(4, False)),
        ("POST", "/users/u1/getMemberGroups", {}, Cost(2, False)),
        ("GET", "/users/u1/memberOf", {}, Cost(2, False)),
        ("GET", "/users/u1/transitiveMemberOf", {}, Cost(2, False)),
        ("GET", "/users/someone@contoso.com/licenseDetails", {}, Cost(2, False)),
        ("GET", "/me/ownedObjects", {}, Cost(2, False)),
        ("GET", "/oauth2PermissionGrants", {}, Cost(2, False)),
        ("GET", "/oauth2PermissionGrants/g1", {}, Cost(2, False)),
        ("GET", "/servicePrincipals/s1/appRoleAssignments", {}, Cost(2, False)),
        ("GET", "/subscribedSkus", {}, Cost(3, False)),
        # key segments, case and function aliases
        ("GET", "/users('u1')/memberOf", {}, Cost(2, False)),
        ("GET", "/Groups/G1/Members", {}, Cost(3, False)),
        ("POST", "/directoryObjects/microsoft.graph.getByIds", {}, Cost(5, False)),
        # modifiers: $select -1, $expand +1, $top < 20 -1, minimum 1; $ is optional, keys any case
        ("GET", "/users", {"$select": "id"}, Cost(1, False)),
        ("GET", "/users", {"$expand": "manager"}, Cost(3, False)),
        ("GET", "/users", {"$top": "5"}, Cost(1, False)),
        ("GET", "/users", {"$top": "20"}, Cost(2, False)),
        ("GET", "/users", {"$top": "999", "$select": "id", "$expand": "manager"}, Cost(2, False)),
        ("GET", "/users", {"$select": "id", "$top": "1"}, Cost(1, False)),
        ("GET", "/groups/g1/transitiveMembers", {"$SELECT": "id", "top": "10"}, Cost(3, False)),
        ("GET", "/users/u1", {"$select": "id"}, Cost(1, False)),
        ("GET", "/users", {"$top": "many"}, Cost(2, False)),
        ("GET", "/users", {"$filter": "startswith(displayName,'A')"}, Cost(2, False)),
        # getByIds has its own price with $select
        ("POST", "/directoryObjects/getByIds", {"$select": "id"}, Cost(2, False)),
        ("POST", "/getObjectsById", {"$select": "id"}, Cost(2, False)),
    ],
)
def test_request_cost_follows_the_documented_table(
    method: str, path: str, query: dict[str, str], expected: Cost
) -> None:
    assert request_cost(method, path, query) == expected
