"""The roles an admin account can have (light: the CLI's options name them without loading the models)."""

from __future__ import annotations

from typing import Literal

Role = Literal["admin", "merchandiser", "marketer"]
ROLES: tuple[Role, ...] = ("admin", "merchandiser", "marketer")
