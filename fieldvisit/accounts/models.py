"""Users, their roles and their school."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldvisit.core.db import Base, str_enum
from fieldvisit.core.permissions import Permission, Role, permissions_for
from fieldvisit.schools.models import School

MFA_REQUIRED = frozenset({Role.LAAO, Role.ADMIN})


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    session_nonce: Mapped[str] = mapped_column(String(32))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int] = mapped_column(default=0)
    # An authenticator being set up: kept on the server, never in the session cookie.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))
    pending_totp_since: Mapped[datetime | None]
    # Set when an admin sets the password: the user must choose their own at next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)

    school: Mapped[School | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> set[Role]:
        return {r.role for r in self.role_rows}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def needs_second_factor(self) -> bool:
        """LAAOs and admins must use an authenticator app; anyone may choose to."""
        return self.totp_secret is not None or bool(self.roles & MFA_REQUIRED)

    def can(self, permission: Permission) -> bool:
        return permission in permissions_for(self.roles)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:
        """Tie the login session to a nonce so signing out everywhere is possible."""
        return f"{self.id}:{self.session_nonce}"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = str_enum(Role)


class UnknownEmailLockout(Base):
    """Failed sign-ins with an email that matches no account, counted as a real account's
    are, by a hash of the email (what was typed is never kept). In the database so every
    web process sees the same count: otherwise one would lock and another not, and the
    difference would tell which accounts exist."""

    __tablename__ = "unknown_email_lockouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(index=True)
