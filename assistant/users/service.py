"""Create users and check passwords."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from assistant.errors import Invalid, NotFound
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.users.models import ROLES, User, UserSite

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@cache
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so a wrong email costs as long as a wrong password.

    Made on the first login rather than at import: a scrypt hash is a quarter of a second of every
    worker's start.
    """
    return generate_password_hash("not a real password")


def create_user(*, session: Session, email: str, password: str, role: str, name: str = "",
                sites: Iterable[Site] = (), all_sites: bool = False) -> User:
    """Create an active user given `sites` (or every site with `all_sites`); the email is stored lower-case."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise Invalid("is not an email address", field="email")
    if role not in ROLES:
        raise Invalid(f"must be one of: {', '.join(ROLES)}", field="role")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"must be at least {MIN_PASSWORD} characters", field="password")
    if session.exec(select(User).where(User.email == email)).first():
        raise Invalid("a user with this email already exists", field="email")
    user = User(email=email, name=name.strip(), role=role, password_hash=generate_password_hash(password),
                all_sites=all_sites)
    session.add(user)
    session.flush()
    for site in sites:
        grant_site(session=session, user=user, site=site)
    return user


def grant_site(*, session: Session, user: User, site: Site) -> bool:
    """Give `user` the site (the caller commits); False when the user had it already."""
    if user.id is None:
        raise RuntimeError("the user has not been stored yet")
    if session.get(UserSite, (user.id, site.pk)) is not None:
        return False
    session.add(UserSite(user_id=user.id, site_id=site.pk))
    session.flush()
    return True


def sites_of(*, session: Session, user: User) -> list[Site]:
    """The sites `user` may see in the admin, oldest first: every site with all_sites, else the ones given."""
    query = select(Site).order_by(col(Site.id))
    if not user.all_sites:
        query = query.join(UserSite, col(UserSite.site_id) == col(Site.id)).where(UserSite.user_id == user.id)
    return list(session.exec(query))


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
