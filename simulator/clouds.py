"""The Microsoft clouds the simulator fakes, with their real host names.

The facts are one table, the engine's ``syncengine/clouds.py``: the simulator's layers read them from
here, the one module of layer 0 that may import the engine.
"""

from __future__ import annotations

from syncengine.clouds import (
    AUTHORITIES,
    AUTHORITY_ALIASES,
    AUTHORITY_HOSTS,
    CLOUDS,
    FLAVOR_CLOUD,
    REGION_SUB_SCOPE,
    Authority,
    AuthorityInfo,
    Cloud,
    CloudInfo,
    clouds_of,
    is_same_cloud,
)

__all__ = [
    "AUTHORITIES",
    "AUTHORITY_ALIASES",
    "AUTHORITY_HOSTS",
    "CLOUDS",
    "FLAVOR_CLOUD",
    "REGION_SUB_SCOPE",
    "Authority",
    "AuthorityInfo",
    "Cloud",
    "CloudInfo",
    "clouds_of",
    "is_same_cloud",
]
