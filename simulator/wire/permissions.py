"""Which application permissions (token ``roles``) each Graph endpoint accepts; any one suffices."""

from __future__ import annotations

_DIR_R = ("Directory.Read.All", "Directory.ReadWrite.All")
_DIR_W = ("Directory.ReadWrite.All",)

USERS_READ = ("User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", *_DIR_R)
USERS_WRITE = ("User.ReadWrite.All", *_DIR_W)
USERS_INVITE = ("User.Invite.All", "User.ReadWrite.All", *_DIR_W)
GROUPS_READ = (
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    *_DIR_R,
)
GROUPS_WRITE = ("Group.ReadWrite.All", *_DIR_W)
MEMBERS_WRITE = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", *_DIR_W)
ORG_READ = ("Organization.Read.All", "Organization.ReadWrite.All", *_DIR_R)
LICENSES_READ = (
    "Organization.Read.All",
    "LicenseAssignment.Read.All",
    "User.Read.All",
    "User.ReadWrite.All",
    *_DIR_R,
)
LICENSES_WRITE = ("LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", *_DIR_W)
APPS_READ = ("Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", *_DIR_R)
APPS_WRITE = ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", *_DIR_W)
APP_ROLES_READ = (
    "AppRoleAssignment.ReadWrite.All",
    "Application.Read.All",
    "Application.ReadWrite.All",
    *_DIR_R,
)
APP_ROLES_WRITE = ("AppRoleAssignment.ReadWrite.All",)
POLICY_READ = ("Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess")
POLICY_WRITE = ("Policy.ReadWrite.CrossTenantAccess",)
AUDIT_READ = ("AuditLog.Read.All",)
DELETED_READ = USERS_READ + GROUPS_READ
DELETED_WRITE = ("User.ReadWrite.All", "Group.ReadWrite.All", *_DIR_W)
#: the synchronization API (jobs, schema, secrets, templates)
SYNC_READ = (
    "Synchronization.Read.All",
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
SYNC_WRITE = (
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
