"""What each /api/v1 view declares about itself for the OpenAPI document: query, body, answers, errors.

`documented(...)` only records an `Operation` on the view function and returns it unchanged, so a
request pays nothing for the documentation: the views keep validating as they always have (the
events and quiz steps are tuned hot paths). The shapes are the pydantic models that validate (the
event and order shapes of tracking/) or, for fields the views check by hand, models that state the
same rules; Schemathesis runs the live server against the document in CI, so a rule that differs
between the two fails a test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

View = TypeVar("View", bound=Callable[..., Any])
Shape = type[BaseModel] | TypeAdapter[Any]

SITE_ERRORS = (400, 403, 404, 503)
"""What every call with a site key can answer besides its own success: a missing or bad field (400), an Origin
the site does not allow (403), an unknown site key (404), the database busy or down (503)."""


@dataclass(frozen=True)
class Answer:
    """One documented answer: its JSON shape (None: no body), or an HTML page or a redirect."""

    description: str
    shape: Shape | None = None
    media: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response header name -> description (Retry-After is a number of seconds, any other a string)."""
    example: Any = None


@dataclass(frozen=True)
class Operation:
    """One method of one route, as the reference describes it."""

    summary: str
    answers: Mapping[int, Answer]
    query: type[BaseModel] | None = None
    body: Shape | None = None
    body_example: Any = None
    path: Mapping[str, str] = field(default_factory=dict)
    """Path parameter name -> description."""
    errors: tuple[int, ...] = SITE_ERRORS
    methods: tuple[str, ...] = ()
    """The methods this entry describes; empty: every method of the route."""
    tag: str = ""
    secret: bool = False
    """Called by the shop's server with its secret key (Authorization: Bearer sk_...)."""
    links: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    """Status -> OpenAPI links from that answer to other operations."""


def documented(*operations: Operation) -> Callable[[View], View]:
    """Record `operations` on the view for the OpenAPI document; the view itself is returned unchanged."""

    def record(view: View) -> View:
        view.__dict__["openapi"] = operations
        return view

    return record


def operations_of(view: Callable[..., Any]) -> tuple[Operation, ...]:
    """What `view` declared with `documented` (nothing: an undocumented route)."""
    return view.__dict__.get("openapi", ())
