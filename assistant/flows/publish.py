"""Drafts edited in the admin and their publication: check, keep, publish to the flow file, record who did it.

A draft is a row (one per flow) until it is published; publishing writes the live flow file in one rename
(`drafts.write_atomically`), and every worker's registry picks the new text up on its next rescan (at
most a second with reload on; in production, on every node within published.CHECK_SECONDS, through the
recorded publication), keeping its last good version if the file were somehow refused. A publication is refused
when the draft has errors, names another flow, or when the live file changed since the draft was started
from it (someone saved the file by hand): the merchandiser reloads, rather than overwriting that edit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from assistant.catalog.index import CatalogIndex
from assistant.errors import Conflict, Invalid
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.drafts import draft_path, write_atomically
from assistant.flows.models import FlowDraft, FlowPublication
from assistant.flows.problems import Problem, errors
from assistant.flows.registry import read_flow
from assistant.flows.schema import Flow
from assistant.timeutil import utcnow

HISTORY = 20
"""How many publications the flow's page lists."""


def digest(text: str) -> str:
    """The sha256 of a flow text, to tell versions apart."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_draft(text: str, path: Path, index: CatalogIndex | None) -> tuple[Flow | None, list[Problem]]:
    """The draft's flow (None with errors) and every problem at once: the file's checks and, given an index with
    products, the catalog checks, as `flows check --site` reports them."""
    loaded, problems = read_flow(path, text)
    if loaded.checkable is not None and index is not None and index.size:
        problems = sorted(set(problems + check_against_catalog(loaded.checkable, loaded.locator, index, str(path))))
    return (loaded.flow if not errors(problems) else None), problems


def draft_text(*, session: Session, flow_id: str, live: Path) -> tuple[str, str]:
    """The text to edit and where it comes from: the saved draft, else a draft file beside the live one, else
    the live file."""
    draft = get_draft(session=session, flow_id=flow_id)
    if draft is not None:
        return draft.text, "draft"
    beside = draft_path(live)
    if beside.is_file():
        return beside.read_text(encoding="utf-8"), "file"
    return live.read_text(encoding="utf-8"), "live"


def get_draft(*, session: Session, flow_id: str) -> FlowDraft | None:
    """The saved draft of `flow_id`, if any."""
    return session.exec(select(FlowDraft).where(FlowDraft.flow_id == flow_id)).first()


def save_draft(*, session: Session, flow_id: str, text: str, live: Path, user_id: int | None) -> FlowDraft:
    """Keep `text` as the draft of `flow_id` (a new draft remembers the live text it started from)."""
    draft = get_draft(session=session, flow_id=flow_id)
    if draft is None:
        draft = FlowDraft(flow_id=flow_id, text=text, base_digest=digest(live.read_text(encoding="utf-8")))
    draft.text, draft.updated_by, draft.updated_at = text, user_id, utcnow()
    session.add(draft)
    session.flush()
    return draft


def discard_draft(*, session: Session, flow_id: str) -> None:
    """Forget the saved draft of `flow_id`."""
    draft = get_draft(session=session, flow_id=flow_id)
    if draft is not None:
        session.delete(draft)


def publish(*, session: Session, flow_id: str, text: str, live: Path, index: CatalogIndex | None,
            user_id: int | None, email: str, site_id: int | None,
            replay: dict[str, Any] | None = None) -> FlowPublication:
    """Write `text` over the live file of `flow_id` and record the publication; the saved draft is removed."""
    text = text.replace("\r\n", "\n")
    flow, problems = check_draft(text, live, index)
    if flow is None:
        raise Invalid(f"the draft has {len(errors(problems))} error(s): fix them before publishing", field="text")
    if flow.id != flow_id:
        raise Invalid(f"the draft's id is '{flow.id}', not '{flow_id}'", field="text")
    previous = live.read_text(encoding="utf-8")
    draft = get_draft(session=session, flow_id=flow_id)
    if draft is not None and draft.base_digest and draft.base_digest != digest(previous):
        raise Conflict(f"{live.name} changed since this draft was started: reload the live version and edit again")
    publication = FlowPublication(flow_id=flow_id, file_name=live.name, text=text, digest=digest(text),
                                  previous_text=previous, published_by=user_id, published_by_email=email,
                                  site_id=site_id, replay=replay)
    session.add(publication)
    if draft is not None:
        session.delete(draft)
    session.flush()  # the rows are valid before the file changes; the caller commits right after
    write_atomically(live, text)
    beside = draft_path(live)
    if beside.is_file() and beside.read_text(encoding="utf-8") == text:
        beside.unlink()  # the draft file is live now
    return publication


def publications(*, session: Session, flow_id: str, limit: int = HISTORY) -> list[FlowPublication]:
    """The latest publications of `flow_id`, newest first."""
    query = select(FlowPublication).where(FlowPublication.flow_id == flow_id)
    return list(session.exec(query.order_by(col(FlowPublication.published_at).desc(),
                                            col(FlowPublication.id).desc()).limit(limit)))


def changed_outside(history: list[FlowPublication], live: Path) -> bool:
    """Whether the live file differs from the latest publication's text (saved by hand since; not recorded)."""
    return bool(history) and live.is_file() and digest(live.read_text(encoding="utf-8")) != history[0].digest
