"""A live shop for fuzzing /api/v1: the README's production commands, gunicorn, and what Schemathesis needs to get
past the 4xx gate (the site key, its Origin and secret key, a quiz, reminder tokens, real flow and survey ids).

Used by tests/ops/test_schemathesis.py (a bounded run in CI) and benchmarks/api_fuzz.py (a long run).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlmodel import Session

from assistant.baskets.links import basket_token
from assistant.baskets.models import Basket
from assistant.db import make_engine
from assistant.paths import resource_dir
from assistant.sites.service import get_site_by_key
from tests.test_production_smoke import BIN, ORIGIN, gunicorn, production_env, run, write_catalog, write_flows

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
SECRET_KEY = "smoke-test-secret"  # production_env's


@dataclass(frozen=True)
class LiveShop:
    """A served shop: its base URL, keys and ids that exist."""

    base: str
    key: str
    secret: str
    quiz: str
    tokens: tuple[str, ...]
    """The reminder basket's restore token, then its unsubscribe token."""
    flows: tuple[str, ...]
    surveys: tuple[str, ...]
    questions: tuple[str, ...]
    """The started quiz's questions, and their answer ids (so answers and back get past "no such question")."""
    choices: tuple[str, ...]

    @property
    def document(self) -> str:
        """The OpenAPI document's URL."""
        return f"{self.base}/api/v1/openapi.json"


@contextlib.contextmanager
def live_shop(database_url: str, folder: Path, *gunicorn_options: str) -> Iterator[LiveShop]:
    """The README's production setup in `folder`, served by gunicorn, with a quiz and a reminder basket."""
    write_catalog(folder / "products.csv")
    write_flows(folder / "flows")
    env = production_env(database_url, folder)
    env["ASSISTANT_SURVEYS"] = str(resource_dir("surveys"))
    env["ASSISTANT_EVENT_LIMIT_CLIENT"] = "6000/minute"  # the limit is tested too, but most calls should get through
    run(env, folder, "assistant", "db", "upgrade")
    created = subprocess.run([str(BIN / "assistant"), "site", "create", "--name", "Fuzzed shop", "--origin", ORIGIN,
                              "--control-share", "0"], cwd=folder, env=env, capture_output=True, text=True,
                             timeout=60, check=True)
    key, secret = created.stdout.strip(), created.stderr.strip().rsplit(" ", 1)[-1]
    run(env, folder, "assistant", "catalog", "import", "products.csv", "--site", key)
    tokens = _basket_tokens(database_url, key)
    flows = tuple(sorted(p.stem for p in (folder / "flows").glob("*.yaml")))
    surveys = tuple(sorted(p.stem for p in resource_dir("surveys").glob("*.yaml")))
    flow = yaml.safe_load((folder / "flows" / f"{flows[0]}.yaml").read_text(encoding="utf-8"))
    questions = tuple(q["id"] for q in flow["questions"])
    choices = tuple(a["id"] for q in flow["questions"] for a in q.get("answers", []))
    with gunicorn(env, folder, *gunicorn_options) as base:
        yield LiveShop(base, key, secret, _start_quiz(base, key, flows[0]), tokens, flows, surveys, questions, choices)


def _start_quiz(base: str, key: str, flow: str) -> str:
    request = urllib.request.Request(f"{base}/api/v1/quiz?site={key}", method="POST",
                                     data=json.dumps({"flow": flow, "visitor": "v-fuzzing-1"}).encode(),
                                     headers={"Content-Type": "application/json", "Origin": ORIGIN})
    with urllib.request.urlopen(request, timeout=60) as answer:  # the first answer waits for a worker's boot
        return str(json.load(answer)["quiz"])


def _basket_tokens(database_url: str, key: str) -> tuple[str, ...]:
    """A reminder basket of the site, and its restore and unsubscribe tokens."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            site = get_site_by_key(session=session, key=key)
            basket = Basket(site_id=site.id, visitor_id=1, customer_id="c-fuzz", email="fuzz@example.com",
                            items=[{"sku": "D-001", "quantity": 2, "price": 10.0}])
            session.add(basket)
            session.commit()
            basket_id = int(basket.id or 0)
    finally:
        engine.dispose()
    return tuple(basket_token(secret_key=SECRET_KEY, basket_id=basket_id, purpose=purpose)  # type: ignore[arg-type]
                 for purpose in ("restore", "unsubscribe"))


def write_config(shop: LiveShop, path: Path, *, examples: int, seed: int | None = None) -> Path:
    """A schemathesis.toml that sends the site key on every call, the site's Origin and secret key, and mostly ids
    that exist (sometimes generated ones, so the 404s and 400s are tested too)."""
    def values(name: str, items: tuple[str, ...]) -> str:
        return f"[dictionaries.{name}]\nvalues = {json.dumps(list(items))}\n"

    lines = [f"seed = {seed}" if seed is not None else "",
             "[generation]", f"max-examples = {examples}", "",
             "[headers]", f'Origin = "{ORIGIN}"', f'Authorization = "Bearer {shop.secret}"', "",
             "[parameters]", f'"query.site" = "{shop.key}"',
             '"path.flow_id" = { dictionary = "flows", probability = 0.8 }',
             '"body.flow" = { dictionary = "flows", probability = 0.8 }',
             '"path.survey_id" = { dictionary = "surveys", probability = 0.8 }',
             '"path.quiz_id" = { dictionary = "quizzes", probability = 0.8 }',
             '"body.question" = { dictionary = "questions", probability = 0.8 }',
             '"body.value" = { dictionary = "choices", probability = 0.6 }',
             '"path.token" = { dictionary = "restore", probability = 0.8 }',
             '"query.token" = { dictionary = "restore", probability = 0.8 }', "",
             values("flows", shop.flows), values("surveys", shop.surveys), values("quizzes", (shop.quiz,)),
             values("restore", shop.tokens[:1]), values("unsubscribe", shop.tokens[1:]),
             values("questions", shop.questions), values("choices", shop.choices),
             "[[operations]]", 'include-path-regex = "/baskets/unsubscribe/"',  # its own kind of token
             "[operations.parameters]", '"path.token" = { dictionary = "unsubscribe", probability = 0.8 }']
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "missing_required_header", "unsupported_method", "allow_header_conformance")
"""What must hold for every call: no 5xx, and the answer as documented. Left out: positive_data_acceptance (a
schema-valid request may break a rule that depends on stored state: a question the quiz's flow does not have, no
answer to go back from, a forged token) and negative_data_rejection (pydantic's lax mode takes "5" for a number
and an event batch keeps its good events when one is bad: both by design, and answered 200 as documented)."""


def schemathesis(shop: LiveShop, config: Path, report: Path, *options: str,
                 timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` over every operation with every check that applies; its output and exit code."""
    command = [SCHEMATHESIS, "--config-file", str(config), "--no-color", "run", shop.document,
               "--checks", ",".join(CHECKS),
               "--workers", "2", "--report", "ndjson", "--report-ndjson-path", str(report), *options]
    # run in the config's folder: Schemathesis keeps its cache (.schemathesis/) in the working directory
    return subprocess.run(command, cwd=config.parent, capture_output=True, text=True, timeout=timeout, check=False)
