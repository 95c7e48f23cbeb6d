"""Quiz at catalog scale: every quiz step through gunicorn, at 300 to 1,000,000 products, beside bare Flask.

    python -m benchmarks.quiz [--sizes 300,10000,100000,1000000] [--seconds 10] [--workers 2]
                              [--backend sqlite|postgresql] [--data DIR] [--connections 16] [--timeout 4]

For each size: generates a synthetic catalog (SQL straight into the product table of a migrated
database with the site pk_bench, then `catalog_changed`) whose products carry the attributes of a
generated six-question flow (single with a filter per answer, a `when`, a multi over a list
attribute and a text attribute, a boost-only question, a scale and a price range), with skew: rare
values, attributes missing on a share of products, 8 % out of stock. Then it writes thousands of
quiz sessions with random valid answers (checked by the engine's own `give_answer`) straight into
quiz_session, and serves the app with gunicorn as production does (`-c python:assistant.gunicorn_conf`
when that module exists; production settings, rate limits off) and, in the same run, the bare Flask
endpoint. Measured, with wrk picking a random pre-made session per request (`benchmarks/quiz.lua`):

- start-up: spawn to the first answered `GET /flows` and the first quiz results, beside the bare
  app's first answer; the CPU of importing the app beside importing flask alone (once a run);
- per step: `POST /quiz`; `POST /quiz/<id>/answers` for every question, each over its own sessions
  stored answered up to the question before (the first post answers it; a later post of the same
  answer to the same session is valid and idempotent, since answering an earlier question drops the
  later ones); `GET /quiz/<id>/results` over complete sessions with different answer sets (the count
  is printed): answered, req/s (2xx only), p50, p99, errors (timeouts included), ratios to bare;
- memory of the master and each worker (RSS and PSS from /proc: PSS splits pages the workers share with
  the master, such as a preloaded index) when booted, after the first results and after the run.

Nothing is measured before it is checked over HTTP: the flow is served, stored sessions replay in
full, one request of every step answers 2xx and results carry items. A step slower than the wrk
timeout is reported as timeouts, gunicorn's timeout kills a worker stuck longer, and a server still
busy long after a step is restarted (said in the output) rather than waited for.

With `--data DIR` the generated catalogs are kept (SQLite files in DIR, or PostgreSQL databases
named assistant_quizbench_<size>) and reused by later runs; sessions are always written afresh.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import importlib.util
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url

from assistant import migrate
from assistant.catalog.models import Product
from assistant.catalog.versions import catalog_changed
from assistant.db import make_engine, session_scope
from assistant.flows.answers import give_answer, next_question
from assistant.flows.models import QuizSession
from assistant.flows.problems import errors as error_problems
from assistant.flows.registry import read_flow
from assistant.flows.schema import Flow, Question
from assistant.sites.models import Site
from assistant.sites.service import create_site
from benchmarks.common import HERE, POSTGRES_URL, ROOT, database, free_port

SITE = "pk_bench"
ORIGIN = "https://shop.example"
FLOW_ID = "bench-finder"
GENERATOR = 1  # bump when the catalog generator changes: kept data of another version is regenerated
CHUNK = 50_000

CATEGORIES = ["Shoes", "Jackets", "Trousers", "Shirts", "Bags", "Hats", "Gloves", "Socks", "Tents", "Lamps",
              "Bottles", "Care"]
CATEGORY_P = [0.22, 0.16, 0.12, 0.12, 0.09, 0.06, 0.05, 0.05, 0.04, 0.04, 0.03, 0.02]
STYLES = ["classic", "sport", "outdoor", "urban", "vintage"]
STYLE_P = [0.38, 0.30, 0.20, 0.10, 0.02]  # vintage is rare
LEVELS = ["beginner", "intermediate", "pro"]
LEVEL_P = [0.45, 0.40, 0.15]
COLOURS = ["black", "navy", "grey", "white", "blue", "red", "green", "beige", "brown", "yellow", "orange", "pink"]
COLOUR_P = [0.24, 0.13, 0.12, 0.10, 0.09, 0.07, 0.07, 0.06, 0.05, 0.03, 0.02, 0.02]
FEATURES = ["waterproof", "lightweight", "breathable", "insulated", "reflective", "recycled"]
FEATURE_P = [0.30, 0.35, 0.25, 0.12, 0.06, 0.02]  # recycled is rare
MATERIALS = ["polyester", "nylon", "cotton", "merino wool", "leather", "recycled polyester", "down", "canvas"]
MATERIAL_P = [0.30, 0.22, 0.15, 0.08, 0.08, 0.07, 0.05, 0.05]
MISSING = {"style": 0.04, "level": 0.10, "colour": 0.02, "features": 0.08, "comfort": 0.15, "material": 0.20}
BRANDS = [f"brand{i:02d}" for i in range(60)]
DEFAULT_CONFIG = "python:assistant.gunicorn_conf" if importlib.util.find_spec("assistant.gunicorn_conf") else ""

FLOW_YAML = """\
# Generated by benchmarks/quiz.py: the flow whose attributes the synthetic catalog carries.
id: bench-finder
title: Find your gear
description: Six questions over the synthetic benchmark catalog.
entry: {pages: ["*"], trigger: button, label: Find my gear}
scope: {category: {not: [Bottles, Care]}}
questions:
  - id: use
    text: What is it for?
    type: single
    importance: 3
    answers:
      - {id: everyday, text: Everyday, filter: {style: [classic, urban]}, reason: made for every day}
      - {id: sport, text: Sport, filter: {style: [sport]}, boost: {features: [lightweight]}, reason: built for sport}
      - {id: outdoor, text: Outdoors, filter: {style: [outdoor]}, boost: {features: {any: [waterproof], weight: 2}}}
      - {id: vintage, text: Vintage looks, filter: {style: [vintage]}, reason: vintage style}
      - {id: any, text: No preference, neutral: true}
  - id: level
    text: How experienced are you?
    type: single
    when: {use: [sport, outdoor]}
    importance: 2
    answers:
      - {id: beginner, text: Just starting, boost: {level: [beginner]}, reason: easy for beginners}
      - {id: regular, text: Regularly, boost: {level: [intermediate, pro]}}
      - {id: pro, text: Competitive, filter: {level: [pro]}, reason: for pros}
  - id: features
    text: What must it have?
    type: multi
    optional: true
    importance: 2
    answers:
      - {id: waterproof, text: Waterproof, filter: {features: [waterproof]}}
      - {id: lightweight, text: Light, filter: {features: [lightweight]}}
      - {id: breathable, text: Breathable, filter: {features: [breathable]}}
      - {id: insulated, text: Warm, filter: {features: [insulated]}}
      - {id: reflective, text: Visible at night, filter: {features: [reflective]}}
      - {id: recycled, text: Recycled, filter: {features: [recycled]}}
      - {id: natural, text: Natural materials, filter: {material: {contains: [cotton, wool, leather, down]}}}
  - id: colour
    text: Which colours do you like?
    type: single
    answers:
      - {id: dark, text: Dark, boost: {colour: [black, navy, grey]}, reason: in a dark colour}
      - {id: bright, text: Bright, boost: {colour: [red, yellow, orange, pink]}, reason: in a bright colour}
      - {id: natural, text: Natural, boost: {colour: [green, beige, brown]}, reason: in a natural colour}
      - {id: any, text: Any colour, neutral: true}
  - id: comfort
    text: Firm or soft?
    type: scale
    field: comfort
    min: 1
    max: 5
    labels: [Firm, Soft]
  - id: budget
    text: Your budget?
    type: range
    field: price
    min: 5
    max: 1000
    unit: EUR
    importance: 4
results: {count: 6, fallback: popular, explain: true}
"""
# How often shoppers pick each answer (the rest: uniform).
ANSWER_WEIGHTS = {"use": {"everyday": 4, "sport": 3, "outdoor": 3, "vintage": 0.5, "any": 1.5},
                  "level": {"beginner": 3, "regular": 4, "pro": 1},
                  "features": {"waterproof": 4, "lightweight": 4, "breathable": 3, "insulated": 2, "reflective": 1,
                               "recycled": 0.5, "natural": 1.5},
                  "colour": {"dark": 4, "bright": 2, "natural": 2, "any": 3}}


# ---------------------------------------------------------------------------------------------------- catalog


def product_rows(rng: np.random.Generator, start: int, n: int, site_id: int, now: datetime) -> list[tuple]:
    """`n` products numbered from `start`, as rows in PRODUCT_COLUMNS order (JSON columns as text)."""
    category = rng.choice(len(CATEGORIES), n, p=CATEGORY_P).tolist()
    style = rng.choice(len(STYLES), n, p=STYLE_P).tolist()
    level = rng.choice(len(LEVELS), n, p=LEVEL_P).tolist()
    colour = rng.choice(len(COLOURS), n, p=COLOUR_P).tolist()
    material = rng.choice(len(MATERIALS), n, p=MATERIAL_P).tolist()
    comfort = rng.integers(1, 6, n).tolist()
    features = (rng.random((n, len(FEATURES))) < np.array(FEATURE_P)).tolist()
    missing = {name: (rng.random(n) < share).tolist() for name, share in MISSING.items()}
    brand = (np.minimum(rng.zipf(1.4, n), len(BRANDS)) - 1).tolist()
    price_minor = (np.clip(np.round(rng.lognormal(4.0, 0.8, n), 2), 1, 3000) * 100).astype(np.int64).tolist()
    in_stock = (rng.random(n) >= 0.08).tolist()
    stock = rng.integers(1, 60, n).tolist()
    rated = (rng.random(n) < 0.8).tolist()
    rating = np.round(np.clip(rng.normal(4.0, 0.6, n), 1, 5), 1).tolist()
    popularity = np.round(rng.pareto(1.2, n), 3).tolist()
    category_json = [json.dumps([c]) for c in CATEGORIES]
    rows = []
    for i in range(n):
        number = start + i
        parts = [f'"brand":"{BRANDS[brand[i]]}"']
        if not missing["style"][i]:
            parts.append(f'"style":"{STYLES[style[i]]}"')
        if not missing["level"][i]:
            parts.append(f'"level":"{LEVELS[level[i]]}"')
        if not missing["colour"][i]:
            parts.append(f'"colour":"{COLOURS[colour[i]]}"')
        if not missing["features"][i]:
            parts.append('"features":[' + ",".join(f'"{f}"' for f, on in zip(FEATURES, features[i], strict=True) if on)
                         + "]")
        if not missing["comfort"][i]:
            parts.append(f'"comfort":{comfort[i]}')
        if not missing["material"][i]:
            parts.append(f'"material":"{MATERIALS[material[i]]} shell"')
        sku = f"q{number:07d}"
        title = f"{BRANDS[brand[i]].title()} {STYLES[style[i]]} {CATEGORIES[category[i]].lower()} {number}"
        rows.append((site_id, sku, title, "A synthetic benchmark product.", f"/p/{sku}", "", "EUR",
                     stock[i] if in_stock[i] else 0, rating[i] if rated[i] else None, price_minor[i],
                     category_json[category[i]], "{" + ",".join(parts) + "}", in_stock[i], popularity[i], now))
    return rows


PRODUCT_COLUMNS = ("site_id", "sku", "title", "description", "url", "image", "currency", "stock", "rating",
                   "price_minor", "categories", "attributes", "in_stock", "popularity", "updated_at")


def generate_catalog(url: str, size: int, *, seed: int = 11) -> None:
    """Write `size` products for pk_bench straight into the product table, then record the catalog change."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        site_id = session.execute(select(Site).where(Site.key == SITE)).scalars().one().pk
    engine.dispose()
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database)
        connection.execute("PRAGMA synchronous=OFF")
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime format
        insert = (f"INSERT INTO product ({', '.join(PRODUCT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(PRODUCT_COLUMNS))})")
        with connection:
            for start in range(0, size, CHUNK):
                rows = product_rows(rng, start, min(CHUNK, size - start), site_id, now)
                connection.executemany(insert, [(*row[:-1], stamp) for row in rows])
            connection.execute("ANALYZE")
        connection.close()
    else:
        import psycopg

        with psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False)) as connection:
            with connection.cursor() as cursor, cursor.copy(
                    f"COPY product ({', '.join(PRODUCT_COLUMNS)}) FROM STDIN") as copy:
                for start in range(0, size, CHUNK):
                    for row in product_rows(rng, start, min(CHUNK, size - start), site_id, now):
                        copy.write_row(row)
            connection.commit()
            connection.execute("ANALYZE product")
    engine = make_engine(url)
    with session_scope(engine) as session:
        catalog_changed(session=session, site_id=site_id)  # in-memory indexes learn of the new catalog
    engine.dispose()


def prepare(url: str) -> str:
    """Migrate `url`, add the site pk_bench (allowing ORIGIN, no control group) unless it exists."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        site = session.execute(select(Site).where(Site.key == SITE)).scalars().first()
        site = site or create_site(session=session, name="Bench shop", origins=[ORIGIN], key=SITE)
        if ORIGIN not in site.allowed_origins:
            site.allowed_origins = [*site.allowed_origins, ORIGIN]
        site.control_share = 0.0  # nobody held out (a kept catalog may predate the setting): every start is a quiz
        session.add(site)
    engine.dispose()
    return url


def count_products(url: str) -> int:
    """Products of pk_bench in the database at `url` (0 when it cannot be read)."""
    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            found = connection.execute(select(func.count()).select_from(Product.__table__)).scalar_one()
        engine.dispose()
        return int(found)
    except Exception:  # noqa: BLE001 (a kept database that is gone or broken is regenerated)
        return 0


@contextlib.contextmanager
def catalog(backend: str, size: int, keep: Path | None) -> Iterator[tuple[str, float | None]]:
    """A database with `size` generated products: (URL, seconds it took to generate, None when reused)."""
    with contextlib.ExitStack() as stack:
        if keep is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quizbench-")))
            url = prepare(stack.enter_context(database(backend, folder)))
            started = time.perf_counter()
            generate_catalog(url, size)
            yield url, time.perf_counter() - started
            return
        folder = keep / f"{backend}-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / "generated.json"
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'bench.db'}"
        else:
            url = make_url(POSTGRES_URL).set(database=f"assistant_quizbench_{size}").render_as_string(
                hide_password=False)
        if marker.exists() and json.loads(marker.read_text()).get("generator") == GENERATOR \
                and count_products(url) == size:
            prepare(url)
            yield url, None
            return
        marker.unlink(missing_ok=True)
        if backend == "sqlite":
            for stale in folder.glob("bench.db*"):
                stale.unlink()
        else:
            _recreate_postgres(url)
        prepare(url)
        started = time.perf_counter()
        generate_catalog(url, size)
        seconds = time.perf_counter() - started
        marker.write_text(json.dumps({"generator": GENERATOR, "size": size, "url": url, "seconds": round(seconds, 1)}))
        yield url, seconds


def _recreate_postgres(url: str) -> None:
    name = make_url(url).database
    admin = make_engine(POSTGRES_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


# ---------------------------------------------------------------------------------------------------- sessions


def load_flow(path: Path) -> Flow:
    """The generated flow, loaded and checked as the server loads it; any error stops the benchmark."""
    loaded, problems = read_flow(path)
    if loaded.flow is None or error_problems(problems):
        sys.exit("the generated flow does not load:\n" + "\n".join(p.format() for p in problems))
    return loaded.flow


def random_value(question: Question, rng: np.random.Generator) -> Any:
    """A shopper's random answer to `question`, with realistic preferences and varied ranges."""
    if question.type in ("single", "multi"):
        ids = [a.id for a in question.answers]
        weights = np.array([ANSWER_WEIGHTS.get(question.id, {}).get(a, 1.0) for a in ids])
        p = weights / weights.sum()
        if question.type == "single":
            return ids[int(rng.choice(len(ids), p=p))]
        picks = int(rng.choice([0, 1, 1, 1, 2, 2, 3]))
        if picks == 0:
            return None if question.optional else [ids[0]]
        return [ids[i] for i in rng.choice(len(ids), picks, replace=False, p=p)]
    lo_limit, hi_limit = question.min or 0.0, question.max or 0.0
    if question.type == "scale":
        return float(rng.integers(int(lo_limit) * 2, int(hi_limit) * 2 + 1)) / 2
    lo = lo_limit if rng.random() < 0.3 else float(round(rng.uniform(lo_limit, 150)))
    hi = hi_limit if rng.random() < 0.15 else float(min(hi_limit, lo + round(rng.lognormal(4.2, 0.7)) + 1))
    return [lo, hi]


def random_answers(flow: Flow, rng: np.random.Generator) -> list[tuple[str, Any]]:
    """A complete, valid answer path through `flow` (validated by the engine's own give_answer)."""
    answers: list[tuple[str, Any]] = []
    while (question := next_question(flow, answers)) is not None:
        answers = give_answer(flow, answers, question.id, random_value(question, rng))
    return answers


@dataclass
class Sessions:
    """The pre-made quiz sessions, as stored: per question, sessions answered up to the one before it (with
    the answer to post); for results, complete ones."""

    answering: dict[str, dict[str, tuple[list[tuple[str, Any]], Any]]]
    results: dict[str, list[tuple[str, Any]]]

    @property
    def distinct_result_sets(self) -> int:
        """How many different answer sets the results pool holds."""
        return len({json.dumps(a) for a in self.results.values()})

    def stored(self) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
        """(quiz id, answers as stored) of every session."""
        for pool in self.answering.values():
            for quiz, (before, _) in pool.items():
                yield quiz, before
        yield from self.results.items()


def make_sessions(flow: Flow, *, per_pool: int, seed: int) -> Sessions:
    """`per_pool` sessions for every question and for results, on random valid answer paths."""
    rng = np.random.default_rng(seed)
    answering: dict[str, dict[str, tuple[list[tuple[str, Any]], Any]]] = {q.id: {} for q in flow.questions}
    for _ in range(per_pool * 50):  # questions behind a `when` need more paths
        if all(len(pool) >= per_pool for pool in answering.values()):
            break
        answers = random_answers(flow, rng)
        for position, (question_id, value) in enumerate(answers):
            if len(answering[question_id]) < per_pool:
                answering[question_id][uuid.uuid4().hex] = (answers[:position], value)
    short = [qid for qid, pool in answering.items() if len(pool) < per_pool]
    if short:
        sys.exit(f"too few answer paths reach the questions {short}")
    return Sessions(answering, {uuid.uuid4().hex: random_answers(flow, rng) for _ in range(per_pool)})


def write_sessions(url: str, flow: Flow, sessions: Sessions) -> None:
    """Replace pk_bench's quiz sessions with `sessions`, stored as the API stores them."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    table = QuizSession.__table__
    with engine.begin() as connection:
        site_id = connection.execute(select(Site.__table__.c.id).where(Site.__table__.c.key == SITE)).scalar_one()
        connection.execute(delete(table).where(table.c.site_id == site_id))
        rows = [{"id": quiz, "site_id": site_id, "flow_id": flow.id, "visitor_id": f"bench-{n:05d}", "page": "/",
                 "answers": [[qid, value] for qid, value in answers],
                 "finished": next_question(flow, answers) is None, "created_at": now, "updated_at": now}
                for n, (quiz, answers) in enumerate(sessions.stored())]
        for start in range(0, len(rows), 2000):
            connection.execute(table.insert(), rows[start:start + 2000])
    engine.dispose()


@dataclass
class Step:
    """One measured step: its requests (a file for quiz.lua) and the sessions they use (id: answers stored)."""

    name: str
    kind: str  # start | answer | results
    requests: Path
    sessions: dict[str, list[tuple[str, Any]]]
    question: str | None = None


def make_steps(folder: Path, flow: Flow, sessions: Sessions, *, seed: int) -> list[Step]:
    """The steps in the order a shopper takes them, each with its file of prepared requests."""
    rng = np.random.default_rng(seed)
    query = f"?site={SITE}"
    steps = [Step("POST /quiz (start)", "start", folder / "step-00.txt", {})]
    lines = [[f'POST\t/api/v1/quiz{query}\t{json.dumps({"flow": flow.id, "visitor": f"bench-{v:05d}", "page": "/"})}'
              for v in rng.integers(0, 100_000, 2000)]]
    for question in flow.questions:
        pool = sessions.answering[question.id]
        steps.append(Step(f"POST answers: {question.id} ({question.type})", "answer",
                          folder / f"step-{len(steps):02d}.txt", {q: before for q, (before, _) in pool.items()},
                          question.id))
        lines.append([f"POST\t/api/v1/quiz/{quiz}/answers{query}\t"
                      + json.dumps({"question": question.id, "value": value}) for quiz, (_, value) in pool.items()])
    steps.append(Step("GET /quiz/<id>/results", "results", folder / f"step-{len(steps):02d}.txt", sessions.results))
    lines.append([f"GET\t/api/v1/quiz/{quiz}/results{query}\t" for quiz in sessions.results])
    for step, step_lines in zip(steps, lines, strict=True):
        step.requests.write_text("\n".join(step_lines) + "\n")
    return steps


# ---------------------------------------------------------------------------------------------------- HTTP


class Unusable(RuntimeError):
    """The server cannot be measured at this size (it does not answer, or answers wrongly): the reason."""


def call(base: str, method: str, path: str, body: str | None = None, timeout: float = 60) -> tuple[int, Any]:
    """One request with the bench Origin: (status, decoded JSON or None)."""
    headers = {"Origin": ORIGIN}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=body.encode() if body is not None else None,
                                     headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, None


class Server:
    """A gunicorn master on a free loopback port: its workers, their CPU and memory."""

    def __init__(self, app: str, *, workers: int, env: dict[str, str], timeout: int, config: str = "") -> None:
        self.app, self.workers, self.env, self.timeout, self.config = app, workers, env, timeout, config
        self.process: subprocess.Popen | None = None
        self.base = ""
        self.spawned = 0.0

    def start(self) -> None:
        """Spawn gunicorn; `spawned` is the moment, for start-up times."""
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{port}",
                   "--timeout", str(self.timeout), "--graceful-timeout", "5",
                   "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
                   "--log-level", "warning", *(["-c", self.config] if self.config else []), self.app]
        self.spawned = time.monotonic()
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env})

    def stop(self) -> None:
        """Stop gunicorn (killing it if it does not stop within 20 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def wait_for(self, method: str, path: str, check: Any, what: str, *, deadline: float = 180) -> float:
        """Seconds from spawn until `path` answers 2xx with a body `check` accepts; Unusable if it does not.

        Refused or dropped connections (not bound yet, a worker killed by gunicorn's timeout) are retried
        until `deadline` seconds have passed.
        """
        assert self.process is not None
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise Unusable(f"gunicorn ({self.app}) exited with {self.process.returncode} before {what}")
            try:
                status, body = call(self.base, method, path, timeout=max(1.0, until - time.monotonic()))
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)
                continue
            if not 200 <= status < 300:
                raise Unusable(f"{what}: {method} {path} answered {status}: {json.dumps(body)[:500]}")
            problem = check(body)
            if problem:
                raise Unusable(f"{what}: {method} {path} answered {status} but {problem}")
            return time.monotonic() - self.spawned
        raise Unusable(f"{what}: no answer from {path} within {deadline:.0f} s")

    def worker_pids(self) -> list[int]:
        """The master's live children, by pid."""
        if self.process is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2:].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def cpu_ticks(self) -> int:
        """User + system clock ticks of all workers."""
        total = 0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                total += int(fields[11]) + int(fields[12])
        return total

    def settle(self, *, cap: float, quiet: float = 0.8) -> bool:
        """Wait until every worker is booted and idle (no CPU for `quiet` s); False if still busy after `cap` s."""
        until = time.monotonic() + cap
        last, quiet_since = self.cpu_ticks(), time.monotonic()
        while time.monotonic() < until:
            time.sleep(0.2)
            ticks = self.cpu_ticks()
            if ticks - last > 2 or len(self.worker_pids()) < self.workers:
                quiet_since = time.monotonic()
            last = ticks
            if time.monotonic() - quiet_since >= quiet:
                return True
        return False

    def memory(self) -> list[tuple[int, float, float]]:
        """(pid, RSS MB, PSS MB) of the master, then of every worker."""
        found = []
        for pid in [self.process.pid if self.process else 0, *self.worker_pids()]:
            with contextlib.suppress(OSError):
                rss = _kb(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
                pss = _kb(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
                found.append((pid, rss / 1024, pss / 1024))
        return found


def _kb(text_: str, key: str) -> float:
    match = re.search(rf"^{key}:\s+(\d+) kB", text_, re.MULTILINE)
    return float(match.group(1)) if match else math.nan


def memory_text(snapshot: list[tuple[int, float, float]]) -> str:
    """`RSS/PSS` MB of the master and of each worker."""
    if not snapshot:
        return "no server"
    (_, rss, pss), workers = snapshot[0], snapshot[1:]
    return (f"master {rss:,.0f}/{pss:,.0f}; workers "
            + (", ".join(f"{rss:,.0f}/{pss:,.0f}" for _, rss, pss in workers) or "none"))


# ---------------------------------------------------------------------------------------------------- wrk


@dataclass
class Load:
    """What one wrk run measured; `ok` counts 2xx/3xx answers."""

    name: str
    requests: int = 0
    seconds: float = 1.0
    status: int = 0
    socket: int = 0
    timeouts: int = 0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    notes: list[str] = field(default_factory=list)
    beside: Load | None = None
    """The bare endpoint's load run just before this one: the machine is shared, and its load drifts."""

    @property
    def ok(self) -> int:
        """Answers with a success status."""
        return self.requests - self.status

    @property
    def rps(self) -> float:
        """Successful answers per second."""
        return self.ok / self.seconds

    @property
    def errors(self) -> int:
        """Error statuses, socket errors and timeouts (wrk's count: each request found waiting longer than the
        timeout, once per 2 s check while it waits; answers later than the timeout are left out of p50/p99)."""
        return self.status + self.socket + self.timeouts


def run_wrk(name: str, base: str, requests: Path, *, seconds: int, connections: int, timeout: int) -> Load:
    """wrk with quiz.lua over the prepared `requests`."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "-s",
               str(HERE / "quiz.lua"), base + "/", "--", str(requests), ORIGIN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    load = Load(name, data["requests"], data["duration_us"] / 1e6, data["status"],
                data["connect"] + data["read"] + data["write"], data["timeout"])
    never = connections - data["requests"] - load.socket
    if seconds > timeout and never > load.timeouts:
        # wrk checks for timeouts every 2 s, so a step barely longer than the timeout can miss them; but a
        # connection that got no answer in the whole step had a request waiting longer than the timeout
        load.timeouts = never
        load.notes.append(f"{never} connections got no answer in {seconds} s")
    if data["p50_us"] > 0:  # else no answer came within the timeout: wrk recorded no latency
        load.p50_ms, load.p99_ms = data["p50_us"] / 1000, data["p99_us"] / 1000
    if load.timeouts:
        load.notes.append(f"requests waited over the {timeout} s timeout: p50 and p99 are of the faster answers only")
    return load


# ---------------------------------------------------------------------------------------------------- checks


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
            status, body = _checked_call(server, "GET", f"/api/v1/quiz/{quiz}{query}")
            expected = (len(step.sessions[quiz]), step.kind == "results", step.question)
            got = (body["progress"]["answered"], body["done"], (body["question"] or {}).get("id")) \
                if status == 200 else None
            if got != expected:
                raise Unusable(f"{step.name}: pre-made session {quiz} does not replay as stored: expected "
                               f"(answered, done, question) {expected}, got {status} {json.dumps(body)[:400]}")
        method, target, body_text = step.requests.read_text().splitlines()[0].split("\t")
        status, body = _checked_call(server, method, target, body_text or None)
        if not 200 <= status < 300:
            raise Unusable(f"{step.name}: {method} {target} answered {status}: {json.dumps(body)[:400]}")
        if step.kind == "start" and not (body.get("question") or {}).get("id"):
            raise Unusable(f"{step.name}: the new session has no first question: {json.dumps(body)[:400]}")
        if step.kind == "answer" and (body.get("answers") or [{}])[-1].get("question") != step.question:
            raise Unusable(f"{step.name}: the answer was not recorded: {json.dumps(body)[:400]}")
        if step.kind == "results" and (problem := results_problem(body)):
            raise Unusable(f"{step.name}: {target} answered {status} but {problem}")


def _checked_call(server: Server, method: str, path: str, body: str | None = None) -> tuple[int, Any]:
    try:
        return call(server.base, method, path, body, timeout=server.timeout + 5)
    except (OSError, http.client.HTTPException) as exc:
        raise Unusable(f"{method} {path} got no answer: {exc!r}") from exc


# ---------------------------------------------------------------------------------------------------- start-up


def child_cpu(code: str, *, runs: int = 3) -> float:
    """Least CPU seconds (user + system) of `python -c code` over `runs` runs."""
    best = math.inf
    for _ in range(runs):
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"python -c {code!r} failed with {process.returncode}")
        best = min(best, usage.ru_utime + usage.ru_stime)
    return best


def import_costs() -> None:
    """Print the CPU of importing the app beside flask alone, and where -X importtime says it goes."""
    bare_python = child_cpu("pass")
    flask_alone = child_cpu("import flask")
    app = child_cpu("import assistant.app")
    print(f"import CPU (best of 3): python alone {bare_python:.2f} s, `import flask` {flask_alone:.2f} s, "
          f"`import assistant.app` {app:.2f} s ({app / flask_alone:.1f}x flask)")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import assistant.app"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(parts[0])
    total = sum(by_package.values())
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:8]
    print(f"  -X importtime, own time of each package's modules (wall, inflated by the tracing; {total / 1e6:.2f} s "
          "in all): " + ", ".join(f"{name} {us / 1e6:.2f} s" for name, us in ranked))


# ---------------------------------------------------------------------------------------------------- run


@dataclass
class SizeReport:
    """What one catalog size measured, for the closing summary."""

    size: int
    generated: float | None
    bare: Load
    steps: list[Load]
    bare_first: float
    flows_first: float
    results_first: float
    memory: dict[str, list[tuple[int, float, float]]]
    distinct: int
    failure: str | None = None


def measure_bare(args: argparse.Namespace, folder: Path) -> tuple[Load, float, Server]:
    """The bare endpoint: spawn to first answer, then the same wrk load; the server is left running, so each
    step can be set beside a bare run made just before it (stop it when done)."""
    bare_file = folder / "bare.txt"
    bare_file.write_text("GET\t/bare\t\n")
    server = Server("benchmarks.bare_app:app", workers=args.workers, env={}, timeout=args.gunicorn_timeout)
    try:
        server.start()
        first = server.wait_for("GET", "/bare", lambda body: None if body == {} else "not {}", "the bare app")
        server.settle(cap=60)
        load = run_wrk("bare Flask GET /bare", server.base, bare_file, seconds=args.seconds,
                       connections=args.connections, timeout=args.timeout)
    except BaseException:
        server.stop()
        raise
    return load, first, server


def bare_beside(args: argparse.Namespace, bare: Server, folder: Path) -> Load:
    """A shorter bare run, made just before a step and compared with it."""
    return run_wrk("bare, just before", bare.base, folder / "bare.txt", seconds=max(2, args.seconds // 2),
                   connections=args.connections, timeout=args.timeout)


def measure_size(args: argparse.Namespace, size: int, scratch: Path) -> SizeReport:
    """Generate (or reuse) one catalog and write its sessions, then measure the bare app and the assistant."""
    folder = scratch / f"size-{size}"
    (folder / "flows").mkdir(parents=True)
    (folder / "models").mkdir()
    (folder / "flows" / f"{FLOW_ID}.yaml").write_text(FLOW_YAML)
    flow = load_flow(folder / "flows" / f"{FLOW_ID}.yaml")
    print(f"\n=== {size:,} products ({args.backend}) ===", flush=True)
    with catalog(args.backend, size, args.data) as (url, generated):
        print(f"catalog: {'generated in ' + format(generated, '.1f') + ' s' if generated is not None else 'reused'}")
        started = time.perf_counter()
        sessions = make_sessions(flow, per_pool=args.sessions, seed=size)
        write_sessions(url, flow, sessions)
        plan = make_steps(folder, flow, sessions, seed=size)
        print(f"sessions: {args.sessions:,} for each answer step (answered up to the question before) and "
              f"{len(sessions.results):,} complete ones for results, with {sessions.distinct_result_sets:,} distinct "
              f"answer sets (written in {time.perf_counter() - started:.1f} s)")
        bare, bare_first, bare_server = measure_bare(args, folder)
        env = {"DATABASE_URL": url, "ASSISTANT_ENV": "production", "SECRET_KEY": "benchmark-only",
               "ASSISTANT_RATE_LIMITS": "off", "ASSISTANT_FLOWS": str(folder / "flows"),
               "ASSISTANT_MODELS": str(folder / "models"),
               "ASSISTANT_MERCH_RULES": str(folder / "no-rules.yaml"),  # missing: no merchandising rules
               **dict(item.split("=", 1) for item in args.env)}
        server = Server("assistant.app:create_app()", workers=args.workers, env=env, timeout=args.gunicorn_timeout,
                        config=args.gunicorn_config)
        report = SizeReport(size, generated, bare, [], bare_first, math.nan, math.nan, {}, 0)
        try:
            measure_assistant(args, server, plan, report, lambda: bare_beside(args, bare_server, folder))
        except Unusable as exc:
            report.failure = str(exc)
            print(f"NOT MEASURED further at {size:,} products: {exc}", flush=True)
        finally:
            server.stop()
            bare_server.stop()
    report.size, report.generated, report.distinct = size, generated, sessions.distinct_result_sets
    _print_size(args, report)
    return report


def measure_assistant(args: argparse.Namespace, server: Server, plan: list[Step], report: SizeReport,
                      beside: Callable[[], Load]) -> None:
    """Start the assistant (timed), check it, then load every step in turn, each just after a bare run
    (`beside()`), into `report`; memory along the way."""
    bare, bare_first, memory, loads = report.bare, report.bare_first, report.memory, report.steps
    server.start()
    report.flows_first = flows_first = server.wait_for("GET", f"/api/v1/flows?site={SITE}", flows_problem,
                                                       "start-up")
    if not server.settle(cap=300):
        print("  (the workers were still busy 300 s after the first answer)")
    memory["booted, before any results"] = server.memory()
    results = list(plan[-1].sessions)
    report.results_first = results_first = server.wait_for(
        "GET", f"/api/v1/quiz/{results[0]}/results?site={SITE}", results_problem, "first results",
        deadline=args.gunicorn_timeout + 30)
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:  # concurrent, so every worker answers one
        answered = pool.map(lambda q: _checked_call(server, "GET", f"/api/v1/quiz/{q}/results?site={SITE}"),
                            results[1:1 + args.workers])
        for quiz, (status, body) in zip(results[1:1 + args.workers], answered, strict=True):
            if status != 200 or (problem := results_problem(body)):
                raise Unusable(f"results of {quiz}: {status} {problem or json.dumps(body)[:400]}")
    server.settle(cap=60)
    memory["after the first results"] = server.memory()
    check_server(server, plan, samples=40)
    server.settle(cap=60)
    print(f"start-up (spawn to first answer): bare {bare_first:.2f} s; assistant GET /flows {flows_first:.2f} s "
          f"({flows_first / bare_first:.1f}x), first quiz results {results_first:.2f} s "
          f"({results_first / bare_first:.1f}x)", flush=True)
    print("  " + HEADER)
    for step in plan:
        before = set(server.worker_pids())
        bare_now = beside()
        load = run_wrk(step.name, server.base, step.requests, seconds=args.seconds, connections=args.connections,
                       timeout=args.timeout)
        load.beside = bare_now
        loads.append(load)
        draining = time.monotonic()
        if server.settle(cap=args.drain):
            if time.monotonic() - draining > 3:
                load.notes.append(f"the workers were busy for {time.monotonic() - draining:.0f} s after wrk stopped "
                                  "(requests queued by then)")
        else:
            load.notes.append(f"still busy {args.drain:.0f} s after wrk stopped: server restarted")
            server.stop()
            server.start()
            server.wait_for("GET", f"/api/v1/flows?site={SITE}", flows_problem, "restart")
            server.settle(cap=300)
        replaced = len(before - set(server.worker_pids()))
        if replaced:
            load.notes.append(f"{replaced} worker(s) replaced (gunicorn's timeout, a crash or the restart)")
        print("  " + _row(load, bare), flush=True)
    memory["after the run"] = server.memory()


def _ratio(value: float, base: float, digits: int = 2) -> str:
    if not (math.isfinite(value) and math.isfinite(base)) or base == 0:
        return "-"
    return f"{value / base:.{digits}g}" if value / base < 0.01 else f"{value / base:.{digits}f}"


def _ms(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) else "-"


def _row(load: Load, bare: Load) -> str:
    """One step's figures; its ratios against the bare run just before it when there is one, else `bare`."""
    bare = load.beside or bare
    errors = f"{load.errors}" + (f" ({load.timeouts} t/o)" if load.timeouts else "")
    return (f"{load.name:<34} {load.ok:>8,} {load.rps:>9,.1f} {_ms(load.p50_ms):>9} {_ms(load.p99_ms):>9} "
            f"{errors:>14} {_ratio(load.rps, bare.rps):>8} {_ratio(load.p99_ms, bare.p99_ms):>8}"
            + "".join(f"\n{'':<36}note: {n}" for n in load.notes))


HEADER = (f"{'step':<34} {'answered':>8} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>14} {'vs bare':>8} "
          f"{'p99 x':>8}")


def _print_size(args: argparse.Namespace, report: SizeReport) -> None:
    print(f"\n{report.size:,} products, {args.backend}: gunicorn {args.workers} sync workers, wrk 2 threads x "
          f"{args.connections} connections, {args.seconds} s a step, timeout {args.timeout} s (wrk's; a timeout is an "
          f"error); results over {report.distinct:,} distinct answer sets; req/s counts 2xx answers; "
          f"vs bare = req/s / req/s of the bare run just before the step (bare beside), p99 x = p99 / its p99")
    print(HEADER)
    print(_row(report.bare, report.bare))
    for load in report.steps:
        print(_row(load, report.bare))
    besides = [load.beside.rps for load in report.steps if load.beside]
    if besides:
        print(f"bare beside the steps: {min(besides):,.0f}-{max(besides):,.0f} req/s")
    if report.failure:
        print(f"not measured further: {report.failure}")
    print(f"start-up, spawn to first answer: bare {report.bare_first:.2f} s, GET /flows {report.flows_first:.2f} s, "
          f"first quiz results {report.results_first:.2f} s")
    for moment, snapshot in report.memory.items():
        print(f"memory, RSS/PSS MB, {moment}: {memory_text(snapshot)}")


def _print_summary(args: argparse.Namespace, reports: list[SizeReport]) -> None:
    print(f"\nSummary ({args.backend}; results = GET /quiz/<id>/results; bare = the bare run just before results; "
          "worst step = the lowest req/s ratio of the other steps, each to its own bare run)")
    print(f"{'products':>10} {'generated':>10} {'bare req/s':>10} {'bare p99':>9} {'results':>9} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'vs bare':>8} {'p99 x':>7} {'errors':>7} {'worst step':>11} {'first results':>14} "
          f"{'worker RSS MB':>13}")
    for r in reports:
        generated = f"{r.generated:.1f} s" if r.generated is not None else "reused"
        head = f"{r.size:>10,} {generated:>10} {r.bare.rps:>10,.0f} {r.bare.p99_ms:>9.1f}"
        if r.failure or len(r.steps) < 2:
            print(f"{head} not measured: {r.failure or 'no steps'}")
            continue
        results, others = r.steps[-1], r.steps[:-1]
        worst = min(others, key=lambda s: s.rps / (s.beside or r.bare).rps)
        near = results.beside or r.bare
        head = f"{r.size:>10,} {generated:>10} {near.rps:>10,.0f} {near.p99_ms:>9.1f}"  # the bare run beside results
        rss = (r.memory.get("after the run") or [])[1:]  # the workers
        print(f"{head} {results.rps:>9,.1f} {_ms(results.p50_ms):>8} {_ms(results.p99_ms):>8} "
              f"{_ratio(results.rps, near.rps):>8} {_ratio(results.p99_ms, near.p99_ms):>7} {results.errors:>7} "
              f"{_ratio(worst.rps, (worst.beside or r.bare).rps):>11} {r.results_first:>12.2f} s "
              f"{max((m[1] for m in rss), default=math.nan):>13,.0f}")


def main() -> None:
    """Parse the options, measure the import cost once, then every size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,10000,100000,1000000",
                        help="catalog sizes, comma separated (default: %(default)s)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration of each step")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (2 threads)")
    parser.add_argument("--timeout", type=int, default=4,
                        help="wrk's request timeout, s (default: the widget's own); a timeout is an error")
    parser.add_argument("--gunicorn-timeout", type=int, default=60,
                        help="gunicorn's worker timeout, s (a worker busy longer is killed)")
    parser.add_argument("--gunicorn-config", default=DEFAULT_CONFIG,
                        help="gunicorn -c for the assistant, as production runs it (default: %(default)s; '' for none)")
    parser.add_argument("--drain", type=float, default=90,
                        help="after a step, wait this long for the workers to go idle, then restart the server")
    parser.add_argument("--sessions", type=int, default=3000, help="pre-made sessions per pool (answers, results)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--data", type=Path, help="keep the generated catalogs here and reuse them next time")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the assistant's server (repeatable)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if any("=" not in item for item in args.env):
        sys.exit("--env takes KEY=VALUE")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    print(f"benchmarks.quiz: sizes {', '.join(f'{s:,}' for s in sizes)}; {args.backend}; git "
          f"{_git_head()}; gunicorn -c {args.gunicorn_config or '(none)'}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    import_costs()
    with tempfile.TemporaryDirectory(prefix="quizbench-run-") as scratch:
        try:
            reports = [measure_size(args, size, Path(scratch)) for size in sizes]
        except Unusable as exc:  # the bare app: nothing to compare with
            sys.exit(str(exc))
    _print_summary(args, reports)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f} at the end")
    if any(r.failure for r in reports):
        sys.exit(1)


def _git_head() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
