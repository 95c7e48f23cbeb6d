"""The User table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow
from assistant.users.roles import ROLES, Role

__all__ = ["ROLES", "Role", "User", "UserSite"]


class User(SQLModel, table=True):
    """An admin account; the password is stored only as a salted scrypt hash."""

    __tablename__ = "admin_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=512)
    role: str = Field(max_length=16)
    active: bool = True
    all_sites: bool = False
    """The operator's account: every site, those created later too. Everyone else sees only the sites in user_site."""
    session_generation: int = 0
    """Stored in each login's cookie; raised to end every session of the user (logout, password, deactivation)."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    last_login: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))

    def may(self, *roles: str) -> bool:
        """Whether the user has one of `roles` (admins may do everything)."""
        return self.active and (self.role == "admin" or self.role in roles)


class UserSite(SQLModel, table=True):
    """A site an account is given: the admin shows it only these (unless the account has all_sites)."""

    __tablename__ = "user_site"

    user_id: int = Field(foreign_key="admin_user.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", primary_key=True)
