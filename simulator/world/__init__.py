"""The simulator's world: which tenants exist in which clouds, seeded with realistic people.

A world file (YAML, see ``docs/world.md``) lists tenants; :func:`build_world` populates a store
from it deterministically, :func:`seed_tenant` adds one tenant (the control plane's seed request).
"""

from simulator.world.build import build_tenant, build_world, seed_tenant
from simulator.world.spec import (
    DEFAULT_APPS,
    DEFAULT_SEED,
    AppSpec,
    GroupSpec,
    LicenceSpec,
    Share,
    TenantSpec,
    WorldError,
    WorldSpec,
    default_world,
    load_world,
    parse_world,
    tenant_spec,
)

__all__ = [
    "DEFAULT_APPS",
    "DEFAULT_SEED",
    "AppSpec",
    "GroupSpec",
    "LicenceSpec",
    "Share",
    "TenantSpec",
    "WorldError",
    "WorldSpec",
    "build_tenant",
    "build_world",
    "default_world",
    "load_world",
    "parse_world",
    "seed_tenant",
    "tenant_spec",
]
