"""Multi-valued attributes: Count, Item, RemoveDuplicates."""

from __future__ import annotations

import pytest

from syncengine.expressions import ExpressionEvaluationError

from .conftest import Run

PROXIES = ["SMTP:john@contoso.com", "smtp:j@contoso.com", "smtp:j@contoso.com"]


def test_count(run: Run) -> None:
    assert run("Count([proxyAddresses])", proxyAddresses=PROXIES) == 3
    assert run("Count([proxyAddresses])", proxyAddresses=[]) == 0
    assert run("Count([missing])") == 0
    assert run("Count([mail])", mail="a@b") == 1


def test_item_is_one_based(run: Run) -> None:
    assert run("Item([proxyAddresses], 1)", proxyAddresses=PROXIES) == "SMTP:john@contoso.com"
    assert run("Item([proxyAddresses], 3)", proxyAddresses=PROXIES) == "smtp:j@contoso.com"
    assert run('Item(Split("a,b", ","), 2)') == "b"
    assert run("Item([missing], 1)") is None


@pytest.mark.parametrize("index", [0, 4, -1])
def test_item_out_of_range_is_an_error(run: Run, index: int) -> None:
    with pytest.raises(ExpressionEvaluationError, match=f"index {index} is out of range"):
        run(f"Item([proxyAddresses], {index})", proxyAddresses=PROXIES)


def test_remove_duplicates_keeps_first_occurrences_in_order(run: Run) -> None:
    assert run("RemoveDuplicates([proxyAddresses])", proxyAddresses=PROXIES) == PROXIES[:2]
    assert run("RemoveDuplicates([missing])") is None
    assert run("RemoveDuplicates([mail])", mail="x") == ["x"]
