"""Admin operations: each takes the acting admin, flushes, never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.accounts.services import create_user, hash_password, new_nonce
from fieldvisit.core import mail
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import NotAllowed, ValidationFailed
from fieldvisit.core.outbox import EmailStatus, OutboxEmail
from fieldvisit.core.permissions import Permission, Role
from fieldvisit.schools.models import SESSION_DEFAULTS, Closure, LocalAuthority, School, Term


def _require(admin: User, permission: Permission) -> None:
    if not admin.can(permission):
        raise NotAllowed("Only an administrator can do this.")


def _school(session: Session, school_id: int | None) -> School | None:
    if school_id is None:
        return None
    school = session.get(School, school_id)
    if school is None:
        raise ValidationFailed(
            "Choose a school from the list.",
            fields={"school_id": ["Choose a school from the list."]},
        )
    return school


# Roles that open children's data: an admin never grants one to themselves.
CASE_ROLES = frozenset({Role.SCHOOL, Role.OFFICER, Role.LAAO})

# About the account itself, not a case: nothing to sign in and read.
ACCOUNT_SIGN_OFF = (
    "\n\nThis email is from fieldvisit. If you did not expect it, tell your administrator."
)
ACCOUNT_CREATED = mail.EmailKind(
    "account_created",
    "Your fieldvisit account",
    lambda user, **_: [mail.Recipient("account holder", user.email)],
    ACCOUNT_SIGN_OFF,
)
PASSWORD_SET_BY_ADMIN = mail.EmailKind(
    "password_set_by_admin",
    "Your fieldvisit password was set by an administrator",
    lambda user, **_: [mail.Recipient("account holder", user.email)],
    ACCOUNT_SIGN_OFF,
)


def _role_names(roles: set[Role]) -> list[str]:
    return sorted(role.value for role in roles)


def add_user(session: Session, admin: User, data: dict[str, Any]) -> User:
    _require(admin, Permission.ADMIN_USERS)
    roles = {Role(r) for r in data["roles"]}
    try:
        user = create_user(
            session,
            email=data["email"],
            name=data["name"],
            password=data["password"],
            roles=roles,
            school=_school(session, data["school_id"]),
        )
    except ValidationFailed as error:
        raise ValidationFailed(error.message, fields={"email": [error.message]}) from None
    user.must_change_password = True  # the first password was chosen by the admin
    audit(
        session,
        admin.id,
        "create",
        "user",
        user.id,
        {"roles_before": [], "roles_after": _role_names(roles), "password_set": True},
    )
    mail.send(session, ACCOUNT_CREATED, user=user)
    return user


def update_user(session: Session, admin: User, user: User, data: dict[str, Any]) -> None:
    _require(admin, Permission.ADMIN_USERS)
    email = data["email"].strip().lower()
    clash = session.scalar(
        select(User.id).where(func.lower(User.email) == email, User.id != user.id)
    )
    if clash:
        message = f"Another user already has the email address {email}."
        raise ValidationFailed(message, fields={"email": [message]})
    roles = {Role(r) for r in data["roles"]}
    before = user.roles
    if user.id == admin.id and (Role.ADMIN not in roles or not data["active"]):
        message = "You cannot remove your own administrator role or deactivate yourself."
        raise ValidationFailed(message, fields={"roles": [message]})
    if user.id == admin.id and (roles - before) & CASE_ROLES:
        message = "You cannot give yourself a role that opens cases: another administrator must."
        raise ValidationFailed(message, fields={"roles": [message]})
    password_set = bool(data.get("password"))
    if user.id == admin.id and password_set:
        message = "Change your own password on the Your account page: it asks for the current one."
        raise ValidationFailed(message, fields={"password": [message]})
    user.email, user.name = email, data["name"]
    user.school = _school(session, data["school_id"])
    user.active = data["active"]
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=role) for role in sorted(roles - before)
    ]
    if password_set:
        user.password_hash = hash_password(data["password"])
        user.must_change_password = True
    if password_set or not data["active"]:
        user.session_nonce = new_nonce()  # sign them out everywhere
    detail: dict[str, Any] = {"password_set": password_set}
    if roles != before:
        detail |= {"roles_before": _role_names(before), "roles_after": _role_names(roles)}
    audit(session, admin.id, "update", "user", user.id, detail)
    if password_set:
        mail.send(session, PASSWORD_SET_BY_ADMIN, user=user)


def unlock_user(session: Session, admin: User, user: User) -> None:
    _require(admin, Permission.ADMIN_USERS)
    user.locked_until = None
    user.failed_logins = 0
    audit(session, admin.id, "unlock", "user", user.id)


def save_school(
    session: Session,
    admin: User,
    la: LocalAuthority,
    data: dict[str, Any],
    school: School | None = None,
) -> School:
    _require(admin, Permission.ADMIN_SCHOOLS)
    clash = session.scalar(
        select(School.id).where(
            School.urn == data["urn"], School.id != (school.id if school else -1)
        )
    )
    if clash:
        message = f"Another school already has the URN {data['urn']}."
        raise ValidationFailed(message, fields={"urn": [message]})
    if school is None:
        school = School(local_authority_id=la.id, la_code=la.la_code)
        session.add(school)
    for key, value in data.items():
        setattr(school, key, value if value is not None else "")
    session.flush()
    audit(session, admin.id, "save", "school", school.id)
    return school


def save_settings(
    session: Session, admin: User, la: LocalAuthority | None, data: dict[str, Any]
) -> LocalAuthority:
    """Update the LA's settings, or set the LA up on a new installation."""
    _require(admin, Permission.ADMIN_CALENDAR)
    if la is None:
        if not data.get("la_code"):
            message = "Enter the LA's 3-digit code, for example 873."
            raise ValidationFailed(message, fields={"la_code": [message]})
        la = LocalAuthority(la_code=data["la_code"])
        session.add(la)
    for key, value in data.items():
        if key == "la_code" or (key in KEPT_WHEN_NOT_SENT and value is None):
            continue  # the code is set once; a limit the form did not send is kept
        setattr(la, key, value)
    session.flush()
    audit(session, admin.id, "update", "local_authority", la.id)
    return la


# Settings a form that does not send them leaves as they are.
KEPT_WHEN_NOT_SENT = frozenset(
    {*SESSION_DEFAULTS, "officer_access_days", "retention_years", "removal_after_unit"}
)


def _term_overlap(
    session: Session, la: LocalAuthority, data: dict[str, Any], except_id: int | None = None
) -> School | None:
    """Refuse dates that overlap another term of the same calendar; return the term's school.

    The LA's terms may not overlap each other, nor one school's; a school's may overlap the LA's.
    """
    school = _school(session, data["school_id"])
    overlap = session.scalar(
        select(Term).where(
            Term.local_authority_id == la.id,
            Term.school_id.is_(None) if school is None else Term.school_id == school.id,
            Term.starts_on <= data["ends_on"],
            Term.ends_on >= data["starts_on"],
            Term.id != (except_id or 0),
        )
    )
    if overlap:
        message = f"These dates overlap {overlap.name}: change them or remove that term first."
        raise ValidationFailed(message, fields={"starts_on": [message]})
    return school


def add_term(session: Session, admin: User, la: LocalAuthority, data: dict[str, Any]) -> Term:
    _require(admin, Permission.ADMIN_CALENDAR)
    school = _term_overlap(session, la, data)
    term = Term(
        local_authority_id=la.id,
        school_id=school.id if school else None,
        name=data["name"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
    )
    session.add(term)
    la.calendar_version += 1
    session.flush()
    audit(session, admin.id, "create", "term", term.id)
    return term


def edit_term(
    session: Session, admin: User, la: LocalAuthority, term: Term, data: dict[str, Any]
) -> Term:
    """Change a term's name, dates or school; every clock counts by the new dates."""
    _require(admin, Permission.ADMIN_CALENDAR)
    school = _term_overlap(session, la, data, except_id=term.id)
    term.name, term.starts_on, term.ends_on = data["name"], data["starts_on"], data["ends_on"]
    term.school_id = school.id if school else None
    la.calendar_version += 1
    session.flush()
    audit(session, admin.id, "update", "term", term.id)
    return term


def remove_term(session: Session, admin: User, la: LocalAuthority, term: Term) -> None:
    _require(admin, Permission.ADMIN_CALENDAR)
    session.delete(term)
    la.calendar_version += 1
    audit(session, admin.id, "delete", "term", term.id)


def _closure_school(
    session: Session, la: LocalAuthority, data: dict[str, Any], except_id: int | None = None
) -> School | None:
    """Refuse a second closure on the same day for the same schools; return its school."""
    school = _school(session, data["school_id"])
    exists = session.scalar(
        select(Closure.id).where(
            Closure.local_authority_id == la.id,
            Closure.on == data["on"],
            Closure.school_id.is_(None) if school is None else Closure.school_id == school.id,
            Closure.id != (except_id or 0),
        )
    )
    if exists:
        message = "That day is already a closure."
        raise ValidationFailed(message, fields={"on": [message]})
    return school


def add_closure(session: Session, admin: User, la: LocalAuthority, data: dict[str, Any]) -> Closure:
    _require(admin, Permission.ADMIN_CALENDAR)
    school = _closure_school(session, la, data)
    closure = Closure(
        local_authority_id=la.id,
        on=data["on"],
        reason=data["reason"],
        school_id=school.id if school else None,
    )
    session.add(closure)
    la.calendar_version += 1
    session.flush()
    audit(session, admin.id, "create", "closure", closure.id)
    return closure


def edit_closure(
    session: Session, admin: User, la: LocalAuthority, closure: Closure, data: dict[str, Any]
) -> Closure:
    _require(admin, Permission.ADMIN_CALENDAR)
    school = _closure_school(session, la, data, except_id=closure.id)
    closure.on, closure.reason = data["on"], data["reason"]
    closure.school_id = school.id if school else None
    la.calendar_version += 1
    session.flush()
    audit(session, admin.id, "update", "closure", closure.id)
    return closure


def remove_closure(session: Session, admin: User, la: LocalAuthority, closure: Closure) -> None:
    _require(admin, Permission.ADMIN_CALENDAR)
    session.delete(closure)
    la.calendar_version += 1
    audit(session, admin.id, "delete", "closure", closure.id)


def retry_email(session: Session, admin: User, email: OutboxEmail) -> None:
    """Give a failed email one more attempt, at the worker's next round."""
    _require(admin, Permission.ADMIN_MAIL)
    # A waiting email may be in a worker's hands right now: sending it too would send it twice.
    if email.status != EmailStatus.FAILED:
        raise ValidationFailed(
            "Only a failed email can be sent again: the others are on their way."
        )
    email.status, email.next_attempt_at = EmailStatus.PENDING, utcnow()
    audit(session, admin.id, "retry", "email", email.id)
    session.flush()
