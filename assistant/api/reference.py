"""The reference page's reading of the OpenAPI document: operations by tag, each schema as a table of fields."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

REF = "#/components/schemas/"
TAGS = ("tracking", "quiz", "recommendations", "promotions", "surveys", "orders", "baskets")
"""The order the page shows the groups in: the widget's calls first, as a shop's developer meets them."""
CODE = re.compile(r"`([^`]+)`")


def inline(text: str) -> Markup:
    """`text` escaped, with its `backquoted` parts as code."""
    return Markup(CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


@dataclass
class Field:
    """One row of a schema's table."""

    name: str
    type: Markup
    required: bool
    rules: str
    description: str


@dataclass
class Endpoint:
    """One operation as the page shows it."""

    id: str
    method: str
    path: str
    summary: str
    parameters: list[Field]
    body: Markup | None
    body_example: str | None
    responses: list[tuple[str, str, Markup | None, str | None, list[str]]] = field(default_factory=list)
    """(status, description, shape, example, headers)."""
    secret: bool = False


def endpoints_by_tag(doc: dict[str, Any]) -> dict[str, list[Endpoint]]:
    """Every operation, grouped by its tag in the order they first appear."""
    groups: dict[str, list[Endpoint]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            groups.setdefault(op["tags"][0], []).append(_endpoint(path, method, op))
    rank = {tag: n for n, tag in enumerate(TAGS)}
    return dict(sorted(groups.items(), key=lambda group: rank.get(group[0], len(TAGS))))


def schema_tables(doc: dict[str, Any]) -> list[tuple[str, str, list[Field], Markup | None]]:
    """(name, description, fields, type when it has no fields) for every component schema."""
    tables = []
    for name, schema in sorted(doc["components"]["schemas"].items()):
        fields = fields_of(schema)
        tables.append((name, schema.get("description", ""), fields, None if fields else type_of(schema)))
    return tables


def fields_of(schema: dict[str, Any]) -> list[Field]:
    """The rows of an object schema."""
    required = set(schema.get("required", ()))
    return [Field(name, type_of(prop), name in required, rules_of(prop), prop.get("description", ""))
            for name, prop in schema.get("properties", {}).items()]


def type_of(schema: dict[str, Any]) -> Markup:
    """A schema's type in a few words, with links to the schemas it names."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF)
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "const" in schema:
        return Markup("<code>{}</code>").format(json.dumps(schema["const"]))
    if "enum" in schema:
        return Markup(" | ").join(Markup("<code>{}</code>").format(json.dumps(v)) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return Markup(" or ").join(type_of(option) for option in schema[key])
    kind = schema.get("type")
    if kind == "array":
        return Markup("list of {}").format(type_of(schema.get("items", {})))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("map of {}").format(type_of(schema["additionalProperties"]))
    if isinstance(kind, list):
        return Markup(" or ").join(escape(k) for k in kind)
    return escape(kind or "any")


def rules_of(schema: dict[str, Any]) -> str:
    """A schema's limits in words: lengths, ranges, counts, pattern, default."""
    words = []
    for low, high, unit in (("minLength", "maxLength", "characters"), ("minimum", "maximum", ""),
                            ("minItems", "maxItems", "items"), ("minProperties", "maxProperties", "keys")):
        if low in schema or high in schema:
            words.append(f"{schema.get(low, 0)}-{schema[high]} {unit}".strip() if high in schema
                         else f"at least {schema[low]} {unit}".strip())
    for key, label in (("exclusiveMinimum", "more than"), ("exclusiveMaximum", "less than")):
        if key in schema:
            words.append(f"{label} {schema[key]}")
    if "pattern" in schema:
        words.append(f"matches {schema['pattern']}")
    if schema.get("default") not in (None, "", [], {}):
        words.append(f"default {json.dumps(schema['default'])}")
    return "; ".join(words)


def _endpoint(path: str, method: str, op: dict[str, Any]) -> Endpoint:
    parameters = [Field(f"{p['name']} ({p['in']})", type_of(p["schema"]), p.get("required", False),
                        rules_of(p["schema"]), p.get("description", "")) for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    endpoint = Endpoint(op["operationId"], method.upper(), path, op["summary"], parameters,
                        type_of(body["schema"]) if body else None,
                        _pretty(body["example"]) if body and "example" in body else None,
                        secret=bool(op.get("security")))
    for status, response in sorted(op["responses"].items()):
        media = next(iter(response.get("content", {}).items()), None)
        shape = None if not media else type_of(media[1]["schema"]) if media[0] == "application/json" \
            else Markup("<code>{}</code>").format(media[0])
        example = _pretty(media[1]["example"]) if media and "example" in media[1] and status < "400" else None
        endpoint.responses.append((status, response["description"], shape, example, list(response.get("headers", {}))))
    return endpoint


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
