"""Roles and what they permit, in one place."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    SCHOOL = "school"
    OFFICER = "officer"
    LAAO = "laao"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    CASES_OPEN = "school:cases:open"
    CASES_EDIT = "school:cases:edit"
    CASES_REFER = "school:cases:refer"
    PUPILS_MANAGE = "school:pupils:manage"
    LETTERS_PRINT = "school:letters:print"
    VISITS_ASSIGN = "school:visits:assign"
    VISITS_RECORD = "field:visits:record"
    CONTACT_LOG = "case:contacts:log"
    CONCERN_RAISE = "case:concern:raise"
    REFERRALS_DECIDE = "la:referrals:decide"
    INVOLVEMENT_MANAGE = "la:involvement:manage"
    LA_REPORTS = "la:reports:view"
    ADMIN_USERS = "admin:users:manage"
    ADMIN_SCHOOLS = "admin:schools:manage"
    ADMIN_CALENDAR = "admin:calendar:manage"
    ADMIN_TEMPLATES = "admin:templates:manage"
    ADMIN_AUDIT = "admin:audit:view"
    ADMIN_MAIL = "admin:mail:manage"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SCHOOL: frozenset(
        {
            Permission.CASES_OPEN,
            Permission.CASES_EDIT,
            Permission.CASES_REFER,
            Permission.PUPILS_MANAGE,
            Permission.LETTERS_PRINT,
            Permission.VISITS_ASSIGN,
            Permission.CONTACT_LOG,
            Permission.CONCERN_RAISE,
            Permission.INVOLVEMENT_MANAGE,
        }
    ),
    Role.OFFICER: frozenset(
        {Permission.VISITS_RECORD, Permission.CONTACT_LOG, Permission.CONCERN_RAISE}
    ),
    Role.LAAO: frozenset(
        {
            Permission.REFERRALS_DECIDE,
            Permission.INVOLVEMENT_MANAGE,
            Permission.LA_REPORTS,
            Permission.CONTACT_LOG,
            Permission.CONCERN_RAISE,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Permission.ADMIN_USERS,
            Permission.ADMIN_SCHOOLS,
            Permission.ADMIN_CALENDAR,
            Permission.ADMIN_TEMPLATES,
            Permission.ADMIN_AUDIT,
            Permission.ADMIN_MAIL,
        }
    ),
}


def permissions_for(roles: set[Role]) -> frozenset[Permission]:
    """Return every permission any of these roles grants."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
