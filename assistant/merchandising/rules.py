"""Merchandiser rules for recommendations, from a YAML file: pin, boost, bury and exclude by attribute."""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import safe_yaml
from assistant.insight.rfm_segments import NAME as SEGMENT_NAME
from assistant.merchandising import criteria
from assistant.merchandising.criteria import Criterion
from assistant.safe_yaml import YamlProblem

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
    sites: tuple[str, ...] = ()
    """Public keys of the sites the rule is for; none: every site."""
    segments: tuple[str, ...] = ()
    """RFM segments of the shoppers the rule is for (insight's nightly figures); none: every shopper."""

    def applies(self, placement: str) -> bool:
        """Whether the rule is for `placement` (no placements: every one; a pin never where NO_PINS)."""
        if self.action == "pin" and placement in NO_PINS:
            return False
        return not self.placements or placement in self.placements

    def matches(self, attrs: dict[str, Any]) -> bool:
        """Whether a product with `attrs` matches the rule's conditions."""
        return all(c.test(attrs) for c in self.when)


PLACEMENTS = ("home", "product", "cart", "checkout", "recent", "quiz_results")
"""Where rules may apply: the strips' placements and the quiz results."""
NO_PINS = ("recent", "quiz_results")
"""Placements whose products are the shopper's own (views, answers): a pin never applies there."""


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
    placements = _placements(number, entry.get("placements") or [])
    sites = _sites(number, entry.get("sites") or [])
    segments = _segments(number, entry.get("segments") or [])
    if action == "pin":
        if not isinstance(spec, str):
            raise RuleError(f"rule {number}: pin takes a SKU")
        if unpinned := [p for p in placements if p in NO_PINS]:
            raise RuleError(f"rule {number}: {unpinned[0]} takes no pins (its products are the shopper's own)")
        return Rule("pin", sku=spec, placements=placements, sites=sites, segments=segments)
    if not isinstance(spec, dict):
        raise RuleError(f"rule {number}: {action} takes attribute conditions, e.g. {{brand: Acme}}")
    try:
        when = tuple(criteria.parse_all(spec))
    except criteria.CriterionError as exc:
        raise RuleError(f"rule {number}: {exc} ({exc.hint})") from None
    factor = entry.get("factor", 2.0 if action == "boost" else BURY_FACTOR)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor < math.inf:
        raise RuleError(f"rule {number}: factor must be a positive number (boost above 1, bury below 1)")
    return Rule(action, when=when, factor=float(factor), placements=placements, sites=sites, segments=segments)


def _sites(number: int, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(k, str) and 0 < len(k) <= 64 for k in value):
        raise RuleError(f"rule {number}: sites takes a list of site keys, e.g. [pk_shop_a]")
    return tuple(value)


def _segments(number: int, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(n, str) and SEGMENT_NAME.match(n) for n in value):
        raise RuleError(f"rule {number}: segments takes a list of segment names as rules/rfm_segments.yaml "
                        "names them, e.g. [at_risk, cannot_lose]")
    return tuple(value)


def _placements(number: int, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise RuleError(f"rule {number}: placements takes a list, e.g. [cart, checkout]")
    if unknown := [p for p in value if p not in PLACEMENTS]:
        raise RuleError(f"rule {number}: unknown placement {unknown[0]!r} (choose from {', '.join(PLACEMENTS)})")
    return tuple(value)


CHECK_SECONDS = 1.0
_loaded: dict[Path, tuple[float, float | None, list[Rule]]] = {}
"""Per rules file: when it was last looked at, its mtime then (None: missing), its rules."""


def load_rules(path: Path) -> list[Rule]:
    """The rules of `path`, re-read when the file changes; missing is no rules, broken is logged and ignored.

    The file is looked at once a second at most, and the same list is returned while it is unchanged.
    """
    now = time.monotonic()
    cached = _loaded.get(path)
    if cached and now - cached[0] < CHECK_SECONDS:
        return cached[2]
    try:
        mtime: float | None = path.stat().st_mtime
    except OSError:
        mtime = None
    if cached and cached[1] == mtime:
        rules = cached[2]
    elif mtime is None:
        rules = []
    else:
        rules = _read(path, cached[2] if cached else [])
    _loaded[path] = (now, mtime, rules)
    return rules


SITE_FILE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""A site key that can name a file beside the shared one (every generated key can)."""


def site_rules_path(path: Path, site_key: str) -> Path | None:
    """Where the site's own rules file would be: `<site key>.yaml` beside the shared file `path`."""
    if not SITE_FILE_KEY.match(site_key) or f"{site_key}.yaml" == path.name:
        return None
    return path.with_name(f"{site_key}.yaml")


def rules_for_site(path: Path, site_key: str, segment: str | None = None) -> list[Rule]:
    """The rules of one site: its own file beside the shared one when there is one (it replaces the
    shared file, for that site only), else the shared file's; either way without rules whose `sites:`
    leave the site out, nor rules whose `segments:` leave out `segment` (the shopper's RFM segment; None:
    no figures, or no shopper to speak of, as in quiz results). Both files are re-read when they change,
    as `load_rules`."""
    now = time.monotonic()
    cached = _for_site.get((path, site_key, segment))
    if cached and now - cached[0] < CHECK_SECONDS:
        return cached[2]
    own = site_rules_path(path, site_key)
    source = load_rules(own) if own is not None and _exists(own) else load_rules(path)
    rules = cached[2] if cached and cached[1] is source else [
        r for r in source if (not r.sites or site_key in r.sites) and _for_segment(r, segment)]
    _for_site[(path, site_key, segment)] = (now, source, rules)  # the same list while unchanged: caches key on it
    return rules


def targets_segments(path: Path, site_key: str, placement: str) -> bool:
    """Whether some rule of the site for `placement` is for shoppers of certain segments only (a strip there then
    needs the shopper's segment)."""
    rules = rules_for_site(path, site_key, ALL_SEGMENTS)
    return bool(rules) and _segmented(rules, placement)


ALL_SEGMENTS = "*"
"""Not a segment name (those are lower-case words): asks rules_for_site for every rule, segmented or not."""


def _for_segment(rule: Rule, segment: str | None) -> bool:
    return not rule.segments or segment == ALL_SEGMENTS or segment in rule.segments


_segmented_lists: dict[tuple[int, str], tuple[list[Rule], bool]] = {}


def _segmented(rules: list[Rule], placement: str) -> bool:
    known = _segmented_lists.get((id(rules), placement))
    if known is None or known[0] is not rules:
        if len(_segmented_lists) > 256:
            _segmented_lists.clear()
        known = (rules, any(r.segments and r.applies(placement) for r in rules))  # holds `rules`: no id reuse
        _segmented_lists[(id(rules), placement)] = known
    return known[1]


_for_site: dict[tuple[Path, str, str | None], tuple[float, list[Rule], list[Rule]]] = {}
"""Per shared file, site and segment: when last looked at, the list the site's rules were taken from, the rules."""


def _exists(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _read(path: Path, last_good: list[Rule]) -> list[Rule]:
    """The rules of `path`; when it is broken or hostile, logged with its line, and `last_good` kept."""
    try:
        return parse_rules(safe_yaml.load(safe_yaml.read_text(path)))
    except (OSError, ValueError, YamlProblem) as exc:  # RuleError and UnicodeDecodeError are ValueErrors
        log.error("merchandising rules %s not applied (the last good version stays): %s", path, exc)
        return last_good
