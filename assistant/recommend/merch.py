"""Merchandiser rules for recommendations, from a YAML file: pin, boost, bury and exclude by attribute."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.flows import criteria
from assistant.flows.criteria import Criterion

log = logging.getLogger(__name__)
BURY_FACTOR = 0.2


@dataclass(frozen=True)
class Rule:
    """One rule: `action` (pin, boost, bury, exclude) for products matching `when` (pin: the SKU)."""

    action: str
    when: tuple[Criterion, ...] = ()
    sku: str = ""
    factor: float = 1.0
    placements: tuple[str, ...] = ()

    def applies(self, placement: str) -> bool:
        """Whether the rule is for `placement` (no placements: every one)."""
        return not self.placements or placement in self.placements

    def matches(self, attrs: dict[str, Any]) -> bool:
        """Whether a product with `attrs` matches the rule's conditions."""
        return all(c.test(attrs) for c in self.when)


class RuleError(ValueError):
    """The rules file is malformed; the message names the rule."""


def parse_rules(data: Any) -> list[Rule]:
    """Rules from the parsed YAML (`{rules: [...]}`), raising RuleError naming the bad rule."""
    entries = (data or {}).get("rules", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RuleError("the file must be a mapping with a `rules:` list")
    return [_rule(i, entry) for i, entry in enumerate(entries, start=1)]


def _rule(number: int, entry: Any) -> Rule:
    actions = [a for a in ("pin", "boost", "bury", "exclude") if isinstance(entry, dict) and a in entry]
    if len(actions) != 1:
        raise RuleError(f"rule {number}: needs exactly one of pin, boost, bury, exclude")
    action, spec = actions[0], entry[actions[0]]
    placements = tuple(entry.get("placements", ()))
    if action == "pin":
        if not isinstance(spec, str):
            raise RuleError(f"rule {number}: pin takes a SKU")
        return Rule("pin", sku=spec, placements=placements)
    if not isinstance(spec, dict):
        raise RuleError(f"rule {number}: {action} takes attribute conditions, e.g. {{brand: Acme}}")
    try:
        when = tuple(criteria.parse_all(spec))
    except criteria.CriterionError as exc:
        raise RuleError(f"rule {number}: {exc} ({exc.hint})") from None
    factor = float(entry.get("factor", 2.0 if action == "boost" else BURY_FACTOR))
    return Rule(action, when=when, factor=factor, placements=placements)


_loaded: dict[Path, tuple[float, list[Rule]]] = {}


def load_rules(path: Path) -> list[Rule]:
    """The rules of `path`, re-read when the file changes; missing is no rules, broken is logged and ignored."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return []
    cached = _loaded.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        rules = parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, RuleError, ValueError) as exc:
        log.error("merchandising rules %s not applied: %s", path, exc)
        rules = []
    _loaded[path] = (mtime, rules)
    return rules
