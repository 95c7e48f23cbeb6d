"""Create users and check passwords."""

from __future__ import annotations

import re
from functools import cache

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from assistant.errors import Invalid, NotFound
from assistant.timeutil import utcnow
from assistant.users.models import ROLES, User

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@cache
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so a wrong email costs as long as a wrong password.

    Made on the first login rather than at import: a scrypt hash is a quarter of a second of every
    worker's start.
    """
    return generate_password_hash("not a real password")


def create_user(*, session: Session, email: str, password: str, role: str, name: str = "") -> User:
    """Create an active user; the email is stored lower-case."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise Invalid("is not an email address", field="email")
    if role not in ROLES:
        raise Invalid(f"must be one of: {', '.join(ROLES)}", field="role")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"must be at least {MIN_PASSWORD} characters", field="password")
    if session.exec(select(User).where(User.email == email)).first():
        raise Invalid("a user with this email already exists", field="email")
    user = User(email=email, name=name.strip(), role=role, password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (in constant-ish time)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login = utcnow()
    session.add(user)
    return user


def end_sessions(user: User) -> None:
    """Make every login cookie issued to `user` so far invalid (the caller commits)."""
    user.session_generation += 1


def find_user(*, session: Session, email: str) -> User:
    """The user with this email (any case), or NotFound."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"no user with email {email.strip().lower()!r}", field="email")
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """Replace the user's password and end all of the user's sessions."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"must be at least {MIN_PASSWORD} characters", field="password")
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    session.add(user)


def set_active(*, session: Session, user: User, active: bool) -> None:
    """Activate or deactivate the user; deactivating ends all of the user's sessions."""
    user.active = active
    if not active:
        end_sessions(user)
    session.add(user)
