"""Every route, fuzzed: path, query string, headers and body, with hostile values; no answer may be a 5xx.

Routes come from `app.url_map`, so a new route is fuzzed without touching this file. Parameter names
come from the code and the pages (`request.args.get("...")`, `form.get("...")`, every `name="..."`
of the admin's and the demo's forms), values from an alphabet that holds what broke the app before:
NUL, lone surrogates, non-ASCII digits ('²', '٣'), NaN, Infinity, 2**63, 1e309, 5,000-digit
numbers, nesting 40 and 1,200 deep, broken UTF-8. The admin is fuzzed logged in as each role with a
valid CSRF token, and without a login beside the shop. Both run on SQLite and PostgreSQL
(tests/conftest.py), through the Flask test client; an exception the app lets escape fails too.

Requests sent per run: FUZZ_EXAMPLES (default 150) for each of five tests (the API; every other route
without a login: the shop, the static files, the admin's login page; the admin as each of three roles),
on each database: 5 x 150 x 2 = 1,500 requests in CI, the same ones every
run (derandomized), in about 40 s of CPU (1.3-2.9 min wall on a loaded 2-core machine). Half of each admin
and shop sample is a page's own form (read from the page, drawn by endpoint) with up to three values made
hostile; campaign imports also get the site's own YAML export with one value made hostile (a "\\0" escape).
Without the campaign shapes' storable check, the PostgreSQL admin sample fails on that.
A longer, random run: FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/test_fuzz_routes.py
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session
from werkzeug.routing import IntegerConverter, Rule

from assistant.app import create_app
from assistant.config import Settings
from assistant.demo.build import DEMO_KEY, build_demo
from assistant.demo.campaigns import seed_campaigns
from assistant.flows.registry import get_registry
from assistant.paths import resource_dir
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_user

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
NOW_MS = time.time() * 1000
PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
ROLES = ("admin", "merchandiser", "marketer")

UNSTORABLE = ["\x00", "a\x00b", "\ud83d", "ok\ud83d", "\udc00x", "a\x00\ud83d"]
HOSTILE = ["²", "٣", "१२", "½", "Ⅻ", "2²", "x:²", "1e30", "1e309",
           "-1e309", "NaN", "Infinity", "-Infinity", "nan", "inf", "-0", "0", "1", "-1", str(2**63), str(2**64),
           str(-(2**63) - 1), "9" * 400, "1" * 5000, "(" * 150 + ")" * 150, "{{ 7*7 }}", "{% for %}", "%s%n",
           "null", "true", "[]", "{}", "", " ", "../../etc/passwd", "<script>alert(1)</script>", "😀", "é",
           "x" * 2100, "1,2,3", "a:1,b:²", "sk-001:٣", "rs-001:2", "2026-13-45", "1.5", "+1", "0x10", "1_000"]
ALPHABET = st.sampled_from(list("²٣१é😀 %/\\\"'<>{}[]():,.-+_e10a\n\t"))
DIRTY = st.sampled_from(UNSTORABLE) | st.text(st.sampled_from(list("\x00\ud83d\udc00ab²")), min_size=1, max_size=8)
CLEAN = st.one_of(st.sampled_from(HOSTILE), st.text(ALPHABET, max_size=24), st.text(max_size=12))
TEXT = st.integers(0, 7).flatmap(lambda n: DIRTY if n == 7 else CLEAN)  # unstorable text is refused before any view:
# one value in eight, so that most requests reach the code behind that check. (Hypothesis favours small numbers:
# each such choice below makes 0 the common case.)
NUMBERS = st.one_of(st.integers(), st.floats(), st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30, 1e308]))
class Upload(io.BytesIO):
    """A file for a multipart body that shows its bytes in a failing example."""

    def __repr__(self) -> str:
        return f"Upload({self.getvalue()[:80]!r})"


HOSTILE_YAML = [b"a: &a [*a]", b"a: &a [1]\nb: *a", b'{"x": ' + b"9" * 5000 + b"}",
                b"campaigns: [" + b"{" * 200 + b"}" * 200 + b"]"]
"""A recursive alias, an alias, a 5,000-digit number, deep nesting: campaign import once answered 500 to the first and
the third."""
UPLOADS = [b"campaigns: []", b"campaigns: [{name: x, placement: cart}]", b"[" * 40 + b"]" * 40, b"\xff\xfe",
           *HOSTILE_YAML]
RAW_BODIES = [b"[" * 40 + b"]" * 40, b"[" * 1200 + b"]" * 1200, b'{"a":' * 1200 + b"1" + b"}" * 1200,
              b"1e309", b'{"x": 1e309}', b'{"x": NaN}', b'{"x": -Infinity}', b'{"x": ' + b"9" * 5000 + b"}",
              b"\xff\xfe\x00", b'{"x": "\xed\xa0\xbd"}', b'{"x": "\\ud83d"}', b'{"x": "a\\u0000b"}', b"{", b"",
              b"\x00" * 10, "{\"x\": \"²\"}".encode()]


@dataclass
class Vocabulary:
    """Names and known-good values to mix with hostile ones, read from the code and the running app."""

    query: list[str]
    form: list[str]
    body: list[str]
    path_values: dict[str, list[str]] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=lambda: list(UPLOADS))


def names_in_code() -> tuple[list[str], list[str], list[str]]:
    """Query, form and JSON-body parameter names the code reads."""
    source = "\n".join(path.read_text() for path in PACKAGE.rglob("*.py"))
    query = set(re.findall(r"args\.(?:get|getlist)\(\s*[\"'](\w+)", source))
    form = set(re.findall(r"form(?:\.get|\.getlist)?\(?\[?\s*[\"']([\w.:-]+)", source))
    body = set(re.findall(r"(?:data|batch|body)(?:\.get\(|\[)\s*[\"'](\w+)", source))
    body |= set(re.findall(r"text_field\(\s*\w+,\s*[\"'](\w+)", source))
    return sorted(query), sorted(form), sorted(body)


def names_in_pages(client: FlaskClient, urls: list[str]) -> list[str]:
    """Every form field name on the pages at `urls`."""
    names: set[str] = set()
    for url in urls:
        names.update(re.findall(r'name="([^"]+)"', client.get(url).get_data(as_text=True)))
    return sorted(names - {"csrf_token"})


@dataclass
class Form:
    """A POST form as a page shows it: where it goes, its fields with their values, its named buttons."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


class FormReader(HTMLParser):
    """The POST forms of one page, with what a browser would submit unchanged."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url, self.forms = url, []  # type: list[Form]
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.forms.append(Form(urljoin(self.url, a.get("action") or self.url)))
            return
        if not self.forms or not a.get("name"):
            return
        form, name = self.forms[-1], a["name"]
        kind = a.get("type", "text").lower()
        if tag == "button" or kind == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "input" and kind == "file":
            form.files.append(name)
        elif tag == "input" and (kind not in ("checkbox", "radio") or "checked" in a):
            form.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or not any(
                n == self._select for n, _ in form.fields)):
            form.fields = [f for f in form.fields if f[0] != self._select] + [(self._select, a.get("value", ""))]
        elif tag == "textarea":
            self._textarea = name
            form.fields.append((name, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            name, value = self.forms[-1].fields[-1]
            self.forms[-1].fields[-1] = (name, value + data)


def forms_on(client: FlaskClient, urls: list[str]) -> list[Form]:
    """Every POST form of the pages at `urls`."""
    forms = []
    for url in urls:
        reader = FormReader("http://localhost" + url)
        reader.feed(client.get(url).get_data(as_text=True))
        forms += reader.forms
    return forms


@st.composite
def form_posts(draw: st.DrawFn, forms: list[Form], token: str | None, uploads: list[bytes]) -> dict[str, Any]:
    """A page's own form, submitted with up to three of its values made hostile (and a button pressed)."""
    form = draw(st.sampled_from(forms))
    fields = list(form.fields)
    for _ in range(draw(st.integers(0, 3)) if fields else 0):
        index = draw(st.integers(0, len(fields) - 1))
        name = fields[index][0]
        files = st.sampled_from(uploads).map(lambda b: b.decode("utf-8", "replace"))
        fields[index] = (name, draw(TEXT | files if name == "yaml" else TEXT))
    if form.buttons and draw(st.booleans()):
        fields.append(draw(st.sampled_from(form.buttons)))
    fields = [(n, token if n == "csrf_token" and token else v) for n, v in fields]
    parts = urlsplit(form.action)
    request: dict[str, Any] = {"path": parts.path, "method": "POST", "query_string": parts.query, "headers": {}}
    if form.files:
        upload = draw(st.sampled_from(uploads))
        data: Any = {**{n: as_sent(v) for n, v in fields}, form.files[0]: (Upload(upload), "c.yaml")}
        request.update(content_type="multipart/form-data", data=data)
    else:
        data = urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
        request.update(content_type="application/x-www-form-urlencoded", data=data)
    return request


def concrete_gets(app: Flask, prefix: str, values: dict[str, list[str]]) -> list[str]:
    """URLs of the GET routes under `prefix`, path arguments filled with known values."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and "GET" in (rule.methods or ()):
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: (values.get(m.group(1)) or ["1"])[0], rule.rule))
    return urls


def path_text(draw: st.DrawFn, rule: Rule, name: str, known: dict[str, list[str]]) -> str:
    """A path argument: a known value, a hostile one, or digits of any script for an int converter."""
    if isinstance(rule._converters[name], IntegerConverter):
        options = st.sampled_from(["1", "2", "3", "0", "٣", "००१", str(2**63), str(2**64), "9" * 40])
    else:
        options = st.sampled_from(known.get(name) or ["x"]) | TEXT
    return quote(draw(options).encode("utf-8", "surrogatepass"), safe="")


def as_sent(text: str) -> str:
    """`text` as a server reads it when a multipart field holds invalid UTF-8 (the client encodes str only)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """JSON-ish values with NaN, Infinity, huge integers, hostile text and some nesting."""
    scalars = st.none() | st.booleans() | NUMBERS | TEXT
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
                        max_leaves=10)


EVENTS: dict[str, dict[str, Any]] = {
    "page_view": {"page": "/demo/", "referrer": "https://mail.example/", "title": "Home"},
    "product_view": {"sku": "rs-001", "price": 89.9, "currency": "EUR"},
    "search": {"query": "trail shoes"},
    "quiz_answer": {"flow": "running-shoes", "quiz": "0" * 32, "question": "terrain", "value": "trail"},
    "rec_click": {"ref": "rec-1", "placement": "home", "skus": ["rs-001"], "sku": "rs-001"},
    "promo_impression": {"ref": "1", "variant": "a"},
    "survey_shown": {"survey_id": "post-purchase-nps", "response_id": "resp-0001", "placement": "purchase"},
    "add_to_cart": {"sku": "rs-001", "quantity": 1, "price": 89.9},
    "cart": {"items": [{"sku": "rs-001", "quantity": 2, "price": 89.9}], "value": 179.8, "currency": "EUR"},
    "purchase": {"order_id": "o-1", "items": [{"sku": "rs-001", "quantity": 1}], "value": 89.9},
    "identify": {"customer_id": "c-1", "traits": {"name": "Ada", "vip": True}},
    "custom": {"name": "newsletter", "props": {"list": "weekly", "n": 1}},
}
"""A valid event of each kind the widget sends; the fuzz makes one or two of its values hostile."""


@st.composite
def events(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A valid event with up to two fields (or one prop or trait) replaced by hostile values."""
    kind = draw(st.sampled_from(sorted(EVENTS)))
    event = {"id": f"evt-{draw(st.integers(0, 99_999)):05d}", "type": kind, "ts": NOW_MS, **EVENTS[kind]}
    hostile = st.one_of(values, DIRTY, NUMBERS)  # one bad event must cost only itself: be bad often
    for _ in range(draw(st.integers(0, 2))):
        event[draw(st.sampled_from(sorted(event)))] = draw(hostile)
    for bag in ("props", "traits"):
        if isinstance(event.get(bag), dict) and draw(st.booleans()):
            event[bag] = {**event[bag], draw(TEXT): draw(hostile)}
    return event


def bodies(vocabulary: Vocabulary, api: bool) -> st.SearchStrategy[tuple[str, Any]]:
    """A body and its content type: JSON (mostly, for the API: event batches or objects), raw bytes, forms, uploads."""
    keys = st.sampled_from(vocabulary.body) | TEXT
    values = json_values(keys)
    batch = st.fixed_dictionaries({"visitor": mostly("visitor-0001"),
                                   "events": st.lists(events(values), min_size=1, max_size=4) | values})
    objects = st.dictionaries(keys, values, max_size=5)
    as_json = st.integers(0, 2).flatmap(lambda n: batch if n < 2 else st.one_of(objects, values)).map(
        lambda v: json.dumps(v, allow_nan=True).encode())
    json_bodies = st.tuples(st.sampled_from(["text/plain", "application/json"]), as_json)
    form_keys = st.sampled_from(vocabulary.form) | TEXT
    others = st.one_of(
        st.tuples(st.sampled_from(["text/plain", "application/json"]), st.sampled_from(RAW_BODIES)),
        st.tuples(st.just("application/x-www-form-urlencoded"), st.dictionaries(form_keys, TEXT, max_size=8)),
        st.tuples(st.just("multipart/form-data"), st.fixed_dictionaries(
            {"file": st.sampled_from(vocabulary.uploads).map(lambda b: (Upload(b), "campaigns.yaml"))},
            optional={k: TEXT.map(as_sent) for k in vocabulary.form[:8]})),
        st.tuples(st.just("application/json"), st.just(b"")),
    )
    return st.integers(0, 3).flatmap(lambda n: json_bodies if api and n < 3 else others)


def mostly(value: str) -> st.SearchStrategy[str]:
    """`value` nine times in ten, else hostile text."""
    return st.integers(0, 9).flatmap(lambda n: st.just(value) if n < 9 else TEXT)


HEADERS = {"User-Agent": mostly("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"), "Origin": mostly("https://shop.example"),
           "Referer": TEXT, "Accept-Language": TEXT, "X-Forwarded-For": TEXT, "Accept": TEXT, "Cookie": TEXT}


@st.composite
def hostile_requests(draw: st.DrawFn, rules: list[Rule], vocabulary: Vocabulary,
                     token: str | None) -> dict[str, Any]:
    """One request to one of `rules`: method, path, query string, headers and body all drawn."""
    rule = draw(st.sampled_from(rules + [r for r in rules if "POST" in (r.methods or ())] * 2))  # bodies: more to try
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    method = draw(st.sampled_from(methods)) if draw(st.integers(0, 9)) < 9 else "OPTIONS"
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: path_text(draw, rule, m.group(1), vocabulary.path_values), rule.rule)
    site = draw(st.integers(0, 9))  # the demo's key mostly, so that most API requests get past the site check
    pairs = [("site", DEMO_KEY if site < 7 else draw(TEXT))] if site < 9 else []
    pairs += draw(st.lists(st.tuples(st.sampled_from(vocabulary.query) | TEXT, TEXT), max_size=5))
    query = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
    headers = {name: re.sub(r"[\r\n]", " ", value.encode("utf-8", "surrogatepass").decode("latin-1"))
               for name, value in draw(st.fixed_dictionaries({}, optional=HEADERS)).items()}
    request: dict[str, Any] = {"path": path, "method": method, "query_string": query, "headers": headers}
    if method == "POST":
        content_type, data = draw(bodies(vocabulary, api=path.startswith("/api/")))
        if isinstance(data, dict) and token and draw(st.integers(0, 9)) < 9:  # mostly a valid token, sometimes none
            data = {**data, "csrf_token": token}
        if content_type.endswith("urlencoded"):  # the bytes a browser sends, a cut emoji included
            data = urlencode(data, encoding="utf-8", errors="surrogatepass").encode()
        request.update(content_type=content_type, data=data)
    return request


def check(client: FlaskClient, request: dict[str, Any]) -> None:
    """Send `request`; anything but an answer below 500 fails, with the request shown."""
    response = client.open(request["path"], method=request["method"], query_string=request["query_string"],
                           headers=request["headers"], content_type=request.get("content_type"),
                           data=request.get("data"))
    status, text = response.status_code, response.get_data(as_text=True)[:500]
    response.close()  # a static file's answer holds the file open
    assert status < 500, (request, text)


@pytest.fixture
def fuzzed_app(database_url: str, session: Session, tmp_path: Path) -> Iterator[Flask]:
    """The app over the demo shop (catalog, campaigns, flows) and one user per role; rate limits off."""
    site = build_demo(session=session, origins=["https://shop.example"])
    seed_campaigns(session=session, site=site)
    session.commit()
    for role in ROLES:
        make_user(session, email=f"{role}@shop.example", role=role)
    app = create_app(Settings(database_url=database_url, flows_dir=resource_dir("flows"), testing=True,
                              rate_limits=False, models_dir=tmp_path / "models"))
    yield app
    app.extensions["assistant"]["engine"].dispose()


def vocabulary_for(app: Flask, client: FlaskClient) -> Vocabulary:
    """Parameter names from the code and from the pages, known path values, and the forms `client` is shown."""
    query, form, body = names_in_code()
    started = client.post(f"/api/v1/quiz?site={DEMO_KEY}", json={"flow": app_flow(app)}).get_json() or {}
    client.post("/demo/cart/add", data={"sku": "rs-001"})  # so the cart and the checkout show their forms
    known = {"sku": ["rs-001", "sk-001"], "name": ["running-shoes", "socks"], "flow_id": [app_flow(app)],
             "quiz_id": [started.get("quiz", "0" * 32)], "filename": ["widget/widget.js", "demo/shop.css"],
             "campaign_id": ["1", "2"], "survey_id": ["post-purchase-nps", "quiz-csat"]}
    pages = concrete_gets(app, "/admin", known) + concrete_gets(app, "/demo", known)
    forms = forms_on(client, pages)
    names = {name for f in forms for name, _ in f.fields + f.buttons} | set(names_in_pages(client, pages))
    return Vocabulary(query=query, form=sorted(set(form) | names), body=body, path_values=known, forms=forms,
                      uploads=UPLOADS + exported_variants(client))


def exported_variants(client: FlaskClient) -> list[bytes]:
    """The campaigns' own YAML export (when `client` may read it), each time with one value made hostile.

    A file that is otherwise valid reaches the shapes and the database, where a YAML escape such as "\\0"
    becomes a NUL that no form field held.
    """
    export = client.get("/admin/campaigns/export")
    if export.status_code != 200:
        return []
    text = export.get_data(as_text=True)
    swaps = [("name", '"a\\0b"'), ("name", '"\\x00"'), ("name", '"²"'), ("message", '"\\0"'),
             ("priority", "9223372036854775808"), ("priority", ".nan"), ("weight", "1e309"), ("min", ".inf"),
             ("min", '"٣"'), ("max", "-.inf"), ("key", '"\\0"')]
    return [re.sub(rf"\b{key}: .*", f"{key}: {value}".replace("\\", "\\\\"), text, count=1).encode()
            for key, value in swaps]  # the backslashes doubled: re.sub reads them in a replacement


def app_flow(app: Flask) -> str:
    return get_registry(app).flows()[0].id


def api_rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]


def shop_rules(app: Flask) -> list[Rule]:
    """Every route outside the API, fuzzed without a login (the admin's answer: the login page)."""
    return [r for r in app.url_map.iter_rules() if not r.rule.startswith("/api/")]


def admin_rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/") and r.endpoint != "admin.logout"]


def any_request(app: Flask, rules: list[Rule], vocabulary: Vocabulary,
                token: str | None) -> st.SearchStrategy[dict[str, Any]]:
    """Half drawn from scratch over `rules`, half a page's own form with hostile values (logout left out).

    Forms are drawn by endpoint first: the catalog page's hundred stock forms count as one.
    """
    endpoints = {r.endpoint for r in rules} - {"admin.logout"}
    by_endpoint: dict[str, list[Form]] = {}
    for form in vocabulary.forms:
        endpoint = _endpoint(app, form.action)
        if endpoint in endpoints:
            by_endpoint.setdefault(endpoint, []).append(form)
    scratch = hostile_requests(rules, vocabulary, token)
    if not by_endpoint:
        return scratch
    forms = st.sampled_from(sorted(by_endpoint)).flatmap(lambda e: st.sampled_from(by_endpoint[e]))
    return st.one_of(scratch, forms.flatmap(lambda f: form_posts([f], token, vocabulary.uploads)))


def _endpoint(app: Flask, url: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(url).path, method="POST")
    except Exception:  # noqa: BLE001  (no route, or not by POST)
        return None
    return str(endpoint)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize="FUZZ_EXAMPLES" not in os.environ,  # CI sends the same requests every run
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.mark.parametrize("rules", [api_rules, shop_rules])
def test_no_public_request_answers_5xx(fuzzed_app: Flask, rules: Any) -> None:
    client = fuzzed_app.test_client()
    vocabulary = vocabulary_for(fuzzed_app, client)

    @FUZZ
    @given(request=any_request(fuzzed_app, rules(fuzzed_app), vocabulary, None))
    def fuzz(request: dict[str, Any]) -> None:
        check(client, request)

    fuzz()


@pytest.mark.parametrize("role", ROLES)
def test_no_admin_request_answers_5xx(fuzzed_app: Flask, role: str) -> None:
    client = fuzzed_app.test_client()
    log_in(client, f"{role}@shop.example")
    vocabulary = vocabulary_for(fuzzed_app, client)
    token = csrf(client, "/admin/")  # the logout form on every page carries it

    @FUZZ
    @given(request=any_request(fuzzed_app, admin_rules(fuzzed_app), vocabulary, token))
    def fuzz(request: dict[str, Any]) -> None:
        check(client, request)

    fuzz()
