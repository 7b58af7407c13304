"""Target matching: which target user a source user's anchor names.

The anchor is what the engine writes on each user it creates (an extension attribute, or an
alternative security id) and reads back to recognise it. An initial cycle reads every B2B target
user once into an anchor index; an incremental cycle looks up the anchors of a page's unlinked users
in bulk (``prefetch``) and asks Graph one by one only for an anchor that lookup could not answer.
"""

from __future__ import annotations

import base64
from typing import Any

from syncengine import mapping
from syncengine.backend import GraphCall
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
        #: lower-cased anchor → its B2B target users, for the anchors the last ``prefetch`` resolved
        self._found: dict[str, list[dict[str, Any]]] = {}

    def prepare(self, *, initial: bool) -> None:
        """Get ready for a cycle: an initial one matches (nearly) every user, so read the target once."""
        self._index = self._target_index() if initial else None
        self._found = {}

    @property
    def prefetches(self) -> bool:
        """Whether ``prefetch`` looks anchors up: an incremental cycle with the extension-attribute anchor."""
        return self._index is None and self.job.anchor.kind is not AnchorKind.ALTERNATIVE_SECURITY_ID

    def prefetch(self, anchors: list[str]) -> None:
        """Resolve ``anchors`` in bulk for the next ``find`` calls (an incremental cycle, per page).

        With the extension-attribute anchor: one ``$filter=… in (…)`` advanced query per 15 anchors
        (Graph's limit for ``in``), sent in ``$batch`` requests of 20. An anchor whose query failed, or
        whose answer has more than one page, is left for ``find`` to ask Graph alone (and so to retry
        or raise as before). The alternativeSecurityIds anchor is looked up one by one, as before.
        """
        self._found = {}
        if not self.prefetches:
            return
        chunks = [anchors[i : i + IN_LIMIT] for i in range(0, len(anchors), IN_LIMIT)]
        calls = [
            GraphCall(
                "GET",
                "/users",
                {
                    "$filter": f"{self._anchor_property()} in ({', '.join(_quoted(a) for a in chunk)})",
                    "$count": "true",
                    "$top": "999",
                    "$select": self._target_select(),
                },
                {"ConsistencyLevel": "eventual"},
            )
            for chunk in chunks
        ]
        for chunk, r in zip(chunks, self.target.batch(calls), strict=True):
            if r.status != 200 or not isinstance(r.body, dict) or r.body.get("@odata.nextLink"):
                continue
            found: dict[str, list[dict[str, Any]]] = {a.lower(): [] for a in chunk}
            for t in _b2b(r.body.get("value", [])):
                key = (self._anchor_of_target(t) or "").lower()
                if key in found:
                    found[key].append(t)
            self._found.update(found)

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
        if anchor.lower() in self._found:
            return self._found[anchor.lower()]
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
        return _b2b(found)

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


#: the most values Graph takes in one ``in`` list by default
IN_LIMIT = 15


def _b2b(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The B2B users among ``users`` (invited, or with an ``#EXT#`` user principal name)."""
    return [
        t
        for t in users
        if t.get("creationType") == "Invitation" or "#EXT#" in (t.get("userPrincipalName") or "")
    ]


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
