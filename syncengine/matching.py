"""Target matching: which target user a source user's anchor names.

The anchor is what the engine writes on each user it creates (an extension attribute, or an
alternative security id) and reads back to recognise it. An initial cycle reads every B2B target
user once into an anchor index; an incremental cycle asks Graph for each unlinked user's anchor.
"""

from __future__ import annotations

import base64
from typing import Any

from syncengine import mapping
from syncengine.client import GraphClient
from syncengine.model import AnchorKind, JobConfig


class TargetMatcher:
    """Finds a source user's counterpart among a job's target users, by the job's anchor rule."""

    def __init__(self, job: JobConfig, target: GraphClient) -> None:
        self.job = job
        self.target = target
        self._domain: str | None = job.target_domain
        #: anchor → target users for an initial cycle; None: ask Graph anchor by anchor
        self._index: dict[str, list[dict[str, Any]]] | None = None

    def prepare(self, *, initial: bool) -> None:
        """Get ready for a cycle: an initial one matches (nearly) every user, so read the target once."""
        self._index = self._target_index() if initial else None

    def map_context(self) -> mapping.MapContext:
        """What mapping needs of the target: its initial domain, read once."""
        return mapping.MapContext(target_domain=self._target_domain())

    def anchor(self, u: dict[str, Any], mapped: Any) -> str:
        """The anchor value of a source user (``mapped`` is its mapping for a create)."""
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            value = mapped.anchor
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return str(value[0].get("key"))
            if isinstance(value, dict):
                return str(value.get("key"))
            return str(value) if value is not None else base64.b64encode(u["id"].encode()).decode()
        return f"ccsync:{self.job.source.tenant_id}:{u['id']}"

    def find(self, anchor: str) -> list[dict[str, Any]]:
        """The B2B target users carrying ``anchor`` (more than one is the caller's error to report)."""
        if self._index is not None:
            return self._index.get(anchor, [])
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            flt = f"alternativeSecurityIds/any(x:x/key eq '{anchor}')"
            found = self.target.list_all("/users", {"$filter": flt, "$select": self._target_select()})
        else:
            flt = f"{self._anchor_property()} eq '{anchor}'"
            found = self.target.list_all(
                "/users",
                {"$filter": flt, "$count": "true", "$select": self._target_select()},
                {"ConsistencyLevel": "eventual"},
            )
        return [
            t
            for t in found
            if t.get("creationType") == "Invitation" or "#EXT#" in (t.get("userPrincipalName") or "")
        ]

    def _target_domain(self) -> str:
        if self._domain is None:
            org = self.target.get("/organization")["value"][0]
            self._domain = next(d["name"] for d in org["verifiedDomains"] if d.get("isInitial"))
        return self._domain

    def _anchor_property(self) -> str:
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            return "alternativeSecurityIds"
        return f"onPremisesExtensionAttributes/extensionAttribute{self.job.anchor.extension_attribute}"

    def _anchor_of_target(self, t: dict[str, Any]) -> str | None:
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            ids = t.get("alternativeSecurityIds") or []
            return str(ids[0].get("key")) if ids else None
        ext = t.get("onPremisesExtensionAttributes") or {}
        return ext.get(f"extensionAttribute{self.job.anchor.extension_attribute}")

    def _target_select(self) -> str:
        attrs = {
            m.target for m in self.job.mappings if m.target not in ("IsSoftDeleted", "alternativeSecurityIds")
        }
        attrs |= {"id", "userPrincipalName", "userType", "creationType"}
        attrs.add(
            "alternativeSecurityIds"
            if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID
            else "onPremisesExtensionAttributes"
        )
        return ",".join(sorted(attrs))

    def _target_index(self) -> dict[str, list[dict[str, Any]]]:
        """Anchor → target users, read once per initial cycle (B2B users only: internal users never match)."""
        index: dict[str, list[dict[str, Any]]] = {}
        for page in self.target.pages(
            "/users",
            {"$select": self._target_select(), "$top": "999", "$filter": "creationType eq 'Invitation'"},
        ):
            for t in page:
                a = self._anchor_of_target(t)
                if a:
                    index.setdefault(a, []).append(t)
        return index
