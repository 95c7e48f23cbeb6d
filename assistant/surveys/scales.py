"""The scored question kinds as the field defines them: each scale's range, its named groups, its default labels.

NPS groups are the standard ones (detractors 0-6, passives 7-8, promoters 9-10). CSAT counts 4-5 as
satisfied and CES 5-7 as agreeing; the rest of each scale is split around its middle point so a follow-up
can ask the unhappy end (`low`) without the undecided (`neutral`).
"""

from __future__ import annotations

SCALES: dict[str, range] = {"nps": range(0, 11), "csat": range(1, 6), "ces": range(1, 8)}
"""The scores each scored kind allows, both ends included."""

GROUPS: dict[str, dict[str, range]] = {
    "nps": {"detractor": range(0, 7), "passive": range(7, 9), "promoter": range(9, 11)},
    "csat": {"low": range(1, 3), "neutral": range(3, 4), "high": range(4, 6)},
    "ces": {"low": range(1, 4), "neutral": range(4, 5), "high": range(5, 8)},
}
"""Named score groups a follow-up's `show_if` may use instead of listing scores."""

DEFAULT_LABELS: dict[str, tuple[str, ...]] = {
    "nps": ("Not at all likely", "Extremely likely"),
    "csat": ("Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"),
    "ces": ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
            "Agree", "Strongly agree"),
}
"""English labels used when a question gives none: NPS labels its two ends, CSAT and CES every point."""


def label_count(kind: str) -> int:
    """How many labels a question of `kind` takes (2 for NPS's ends, one per point for CSAT and CES)."""
    return len(DEFAULT_LABELS[kind])
