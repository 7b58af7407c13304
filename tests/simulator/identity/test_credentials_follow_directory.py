"""Credentials follow the directory: a disabled service principal, a deleted application or a removed
secret gets no new token (Entra's AADSTS codes); tokens already issued stay valid until they expire."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphHttp, app_of, reader_of, token_result


@pytest.fixture
def tenant(new_tenant: Any) -> dict[str, Any]:
    """Unlike the shared module-wide tenant: a fresh one per test, as each test disables or deletes its apps."""
    return new_tenant(users=2)


def _reader_objects(admin: GraphHttp, client_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    app = admin("GET", f"/applications?$filter=appId eq '{client_id}'").json()["value"][0]
    sp = admin("GET", f"/servicePrincipals?$filter=appId eq '{client_id}'").json()["value"][0]
    return app, sp


def test_a_disabled_service_principal_gets_no_new_token_but_its_issued_token_still_works(
    endpoints: dict[str, Any], tenant: dict[str, Any]
) -> None:
    admin = GraphHttp(endpoints, tenant, app_of(tenant))
    reader = reader_of(tenant)
    issued = GraphHttp(endpoints, tenant, reader)  # a token taken while the app is enabled
    _, sp = _reader_objects(admin, reader["clientId"])
    assert admin("PATCH", f"/servicePrincipals/{sp['id']}", json={"accountEnabled": False}).status_code == 204
    result = token_result(endpoints, tenant, reader["clientId"], reader["clientSecret"])
    assert "access_token" not in result
    assert result["error"] == "unauthorized_client"
    assert 7000112 in result["error_codes"]
    assert "is disabled" in result["error_description"]
    assert reader["clientSecret"] not in result["error_description"]
    assert issued("GET", "/users?$top=1").status_code == 200
    # enabled again: tokens are issued again
    assert admin("PATCH", f"/servicePrincipals/{sp['id']}", json={"accountEnabled": True}).status_code == 204
    assert "access_token" in token_result(endpoints, tenant, reader["clientId"], reader["clientSecret"])


def test_a_removed_secret_gets_no_new_token_and_the_other_secrets_still_do(
    endpoints: dict[str, Any], tenant: dict[str, Any]
) -> None:
    admin = GraphHttp(endpoints, tenant, app_of(tenant))
    reader = reader_of(tenant)
    app, _ = _reader_objects(admin, reader["clientId"])
    added = admin("POST", f"/applications/{app['id']}/addPassword", json={"passwordCredential": {}}).json()
    assert "access_token" in token_result(endpoints, tenant, reader["clientId"], added["secretText"])
    issued = GraphHttp(endpoints, tenant, reader)
    r = admin("POST", f"/applications/{app['id']}/removePassword", json={"keyId": added["keyId"]})
    assert r.status_code == 204
    result = token_result(endpoints, tenant, reader["clientId"], added["secretText"])
    assert 7000215 in result["error_codes"]
    key_ids = [c["keyId"] for c in admin("GET", f"/applications/{app['id']}").json()["passwordCredentials"]]
    assert added["keyId"] not in key_ids
    assert "access_token" in token_result(endpoints, tenant, reader["clientId"], reader["clientSecret"])
    assert issued("GET", "/users?$top=1").status_code == 200
    again = admin("POST", f"/applications/{app['id']}/removePassword", json={"keyId": added["keyId"]})
    assert again.status_code == 404


def test_a_deleted_application_gets_no_new_token(endpoints: dict[str, Any], tenant: dict[str, Any]) -> None:
    admin = GraphHttp(endpoints, tenant, app_of(tenant))
    reader = reader_of(tenant)
    app, _ = _reader_objects(admin, reader["clientId"])
    issued = GraphHttp(endpoints, tenant, reader)
    assert admin("DELETE", f"/applications/{app['id']}").status_code == 204
    result = token_result(endpoints, tenant, reader["clientId"], reader["clientSecret"])
    assert 700016 in result["error_codes"]
    assert issued("GET", "/users?$top=1").status_code == 200
