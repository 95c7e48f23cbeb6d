"""What the quiz benchmark checks over HTTP before it measures: the flow is served, stored sessions replay in full,
one request of every step answers as it should, results carry items."""

from __future__ import annotations

import http.client
import json
from typing import Any

import numpy as np

from benchmarks.gunicorn_server import Server, Unusable
from benchmarks.quiz_catalog import FLOW_ID, SITE
from benchmarks.quiz_sessions import Step


def results_problem(body: Any) -> str | None:
    """Why a results answer is not a usable one, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return "the body has no list of items"
    if not body["items"]:
        return "the results are empty"
    return None


def flows_problem(body: Any) -> str | None:
    """Why a /flows answer does not serve the benchmark's flow, or None."""
    ids = [f.get("id") for f in body.get("flows", [])] if isinstance(body, dict) else []
    if FLOW_ID not in ids:
        return (f"lists the flows {ids}, without '{FLOW_ID}' from ASSISTANT_FLOWS (with ASSISTANT_ENV=production "
                "and reload off the registry must still read the folder once)")
    return None


def check_server(server: Server, steps: list[Step], *, samples: int) -> None:
    """Exit unless stored sessions replay in full and one request of every step answers as it should."""
    rng = np.random.default_rng(3)
    query = f"?site={SITE}"
    for step in steps:
        for quiz in rng.choice(list(step.sessions), min(samples, len(step.sessions)), replace=False) \
                if step.sessions else []:
            status, body = checked_call(server, "GET", f"/api/v1/quiz/{quiz}{query}")
            expected = (len(step.sessions[quiz]), step.kind == "results", step.question)
            got = (body["progress"]["answered"], body["done"], (body["question"] or {}).get("id")) \
                if status == 200 else None
            if got != expected:
                raise Unusable(f"{step.name}: pre-made session {quiz} does not replay as stored: expected "
                               f"(answered, done, question) {expected}, got {status} {json.dumps(body)[:400]}")
        method, target, body_text = step.requests.read_text().splitlines()[0].split("\t")
        status, body = checked_call(server, method, target, body_text or None)
        if not 200 <= status < 300:
            raise Unusable(f"{step.name}: {method} {target} answered {status}: {json.dumps(body)[:400]}")
        if step.kind == "start" and not (body.get("question") or {}).get("id"):
            raise Unusable(f"{step.name}: the new session has no first question: {json.dumps(body)[:400]}")
        if step.kind == "answer" and (body.get("answers") or [{}])[-1].get("question") != step.question:
            raise Unusable(f"{step.name}: the answer was not recorded: {json.dumps(body)[:400]}")
        if step.kind == "results" and (problem := results_problem(body)):
            raise Unusable(f"{step.name}: {target} answered {status} but {problem}")


def checked_call(server: Server, method: str, path: str, body: str | None = None) -> tuple[int, Any]:
    """One request to `server`; Unusable when it gets no answer."""
    try:
        return server.call(method, path, body, timeout=server.timeout + 5)
    except (OSError, http.client.HTTPException) as exc:
        raise Unusable(f"{method} {path} got no answer: {exc!r}") from exc
