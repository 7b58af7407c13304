"""docs/permissions.md lists exactly the permissions the router enforces."""

from pathlib import Path

from ccsync.permission_table import render


def test_permissions_page_matches_the_route_table() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
    assert page.read_text() == render(), "regenerate: python -m ccsync.permission_table > docs/permissions.md"
