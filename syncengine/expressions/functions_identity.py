"""Identifiers and generated values: AltSecIdFromNetId, Guid, RandomString, Redact, SelectUniqueValue,
SingleAppRoleAssignment, and AppRoleAssignmentsComplex (documented, not supported here)."""

from __future__ import annotations

import base64
import re
import string
from typing import Any

from .errors import UniqueValueUnavailable
from .invocation import FunctionSpec, Invocation, Param
from .values import as_list, as_text, is_null_or_empty

# alternativeSecurityId.type written for a user matched across tenants. Microsoft documents neither the
# type nor the key encoding (Graph marks all three properties "for internal use only"): assumed.
CROSS_TENANT_ALTSECID_TYPE = 5
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")


def alternative_security_id(net_id: str) -> dict[str, Any]:
    """The alternativeSecurityId ccsync derives from a netId (a PUID such as ``10032001A2B3C4D5``).

    ``key`` is base64 of the netId's bytes: the hexadecimal digits decoded when the netId is
    hexadecimal, its UTF-8 bytes otherwise. ``identityProvider`` is null.
    """
    raw = bytes.fromhex(net_id) if _HEX.fullmatch(net_id) else net_id.encode("utf-8")
    key = base64.b64encode(raw).decode("ascii")
    return {"type": CROSS_TENANT_ALTSECID_TYPE, "identityProvider": None, "key": key}


def _alt_sec_id(inv: Invocation) -> list[dict[str, Any]] | None:
    net_id = inv.text(0)
    if is_null_or_empty(net_id):
        return None
    assert net_id is not None
    return [alternative_security_id(net_id.strip())]


def _guid(inv: Invocation) -> str:
    return str(inv.context.guid_factory()).lower()


# Special characters of the Windows password-complexity rule the reference points to.
_SPECIAL = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/"


def _random_string(inv: Invocation) -> str:
    length, numbers, special, capital, lower = (inv.integer(i) for i in range(5))
    avoid = set(inv.text(5) or "")
    counts = [numbers, special, capital, lower]
    if length is None or any(c is None or c < 0 for c in counts):
        raise inv.fail("Length and the minimum counts must be whole numbers, 0 or more")
    minimums = [c or 0 for c in counts]
    if not 1 <= length <= 256 or sum(minimums) > length:
        raise inv.fail(f"Length must be 1 to 256 and at least the sum of the minimums, got {length}")
    pools = [string.digits, _SPECIAL, string.ascii_uppercase, string.ascii_lowercase]
    pools = ["".join(c for c in pool if c not in avoid) for pool in pools]
    if any(minimum and not pool for minimum, pool in zip(minimums, pools, strict=True)):
        raise inv.fail("CharactersToAvoid leaves no character for a required class")
    rng = inv.context.random()
    chars = [rng.choice(pool) for minimum, pool in zip(minimums, pools, strict=True) for _ in range(minimum)]
    everything = "".join(pools)
    chars += [rng.choice(everything) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def _redact(inv: Invocation) -> Any:
    # The value flows unchanged; CompiledExpression.redacted tells the log writer to print "[Redact]".
    return inv.value(0)


def _select_unique_value(inv: Invocation) -> str:
    check = inv.context.unique_check
    if check is None:
        raise inv.fail("the evaluation context has no unique_check to ask the target with")
    tried: list[str] = []
    for index in range(len(inv)):
        candidate = inv.text(index)
        if is_null_or_empty(candidate):
            continue
        assert candidate is not None
        if check(candidate):
            return candidate
        tried.append(candidate)
    raise UniqueValueUnavailable(tried)


def _single_app_role_assignment(inv: Invocation) -> str | None:
    # Assignments arrive as role names ("msiam_access") or as objects; an object names its role by
    # value or displayName. With several assignments the first is taken (the reference: unpredictable).
    for item in as_list(inv.value(0)):
        if isinstance(item, dict):
            item = next((item[k] for k in ("value", "displayName", "appRoleId") if item.get(k)), None)
        name = as_text(item, "SingleAppRoleAssignment: [appRoleAssignments]")
        if name:
            return name
    return None


def _unsupported(inv: Invocation) -> Any:
    raise inv.fail("not supported by ccsync")


def _specs() -> list[FunctionSpec]:
    counts = ("MinimumNumbers", "MinimumSpecialCharacters", "MinimumCapital", "MinimumLowerCase")
    return [
        FunctionSpec("AltSecIdFromNetId", "AltSecIdFromNetId([netId])", (Param("netId"),), _alt_sec_id),
        FunctionSpec(
            "AppRoleAssignmentsComplex",
            "AppRoleAssignmentsComplex([appRoleAssignments])",
            (Param("[appRoleAssignments]"),),
            _unsupported,
            supported=False,
        ),
        FunctionSpec("Guid", "Guid()", (), _guid),
        FunctionSpec(
            "RandomString",
            "RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital, "
            "MinimumLowerCase, CharactersToAvoid)",
            (Param("Length"), *(Param(name) for name in counts), Param("CharactersToAvoid", True)),
            _random_string,
        ),
        FunctionSpec("Redact", "Redact(attribute/value)", (Param("attribute/value"),), _redact),
        FunctionSpec(
            "SelectUniqueValue",
            "SelectUniqueValue(uniqueValueRule1, uniqueValueRule2, ...)",
            (),
            _select_unique_value,
            repeating=(Param("uniqueValueRule"),),
            min_args=2,
            top_level=True,
        ),
        FunctionSpec(
            "SingleAppRoleAssignment",
            "SingleAppRoleAssignment([appRoleAssignments])",
            (Param("[appRoleAssignments]"),),
            _single_app_role_assignment,
        ),
    ]


SPECS: tuple[FunctionSpec, ...] = tuple(_specs())
