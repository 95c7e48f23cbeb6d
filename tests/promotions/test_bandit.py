"""Bandit campaigns: Thompson shares, a fixed control and a floor, sticky serving, offline updates, no extra reads."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from sqlmodel import Session

from assistant.analytics.allocation import update_allocations
from assistant.cli import main
from assistant.promotions.bandit import Arm, ArmCounts, bandit_weights, best_probabilities, floored, serving_shares
from assistant.promotions.campaigns import export_campaigns, get_campaign, import_campaigns, update_campaign
from assistant.promotions.live import CampaignCache
from assistant.promotions.problems import InvalidFields
from assistant.promotions.service import choose
from assistant.promotions.snapshot import snapshot_for
from assistant.promotions.variants import bucket, kept, pick_share
from assistant.promotions.yamlio import import_yaml
from assistant.sites.models import Site
from tests.promotions.helpers import campaign_data, make_campaign, shown, track
from tests.promotions.statements import statements

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ARMS = [Arm("a", 1, False), Arm("b", 1, False), Arm("c", 1, False), Arm("control", 1, True)]
BANDIT_VARIANTS: list[dict[str, Any]] = [{"key": "a", "message": "A"}, {"key": "b", "message": "B"},
                                         {"key": "control", "control": True}]


def bandit(**allocation: Any) -> dict[str, Any]:
    return {"mode": "bandit", **allocation}


# the sampling

def test_a_clear_winner_takes_the_probability_and_equal_arms_share_it() -> None:
    rng = np.random.default_rng(1)
    clear = best_probabilities([ArmCounts("a", 100, 1000), ArmCounts("b", 50, 1000)], rng=rng)
    assert clear[0] > 0.999 and clear.sum() == pytest.approx(1)
    even = best_probabilities([ArmCounts(k, 30, 600) for k in "abc"], rng=rng)
    assert even == pytest.approx([1 / 3] * 3, abs=0.03)
    unseen = best_probabilities([ArmCounts("a", 0, 0), ArmCounts("b", 0, 0)], rng=rng)
    assert unseen == pytest.approx([0.5, 0.5], abs=0.03)
    with pytest.raises(ValueError):
        best_probabilities([ArmCounts("a", 5, 3)], rng=rng)


def test_floor_then_probability_share_the_room_the_control_leaves() -> None:
    # room 0.75, three arms with a floor of 0.05: 0.05 + 0.6 * p each
    assert floored(np.array([1.0, 0.0, 0.0]), room=0.75, min_share=0.05) == pytest.approx([0.65, 0.05, 0.05])
    assert floored(np.array([0.5, 0.5, 0.0]), room=0.75, min_share=0.05) == pytest.approx([0.35, 0.35, 0.05])
    assert floored(np.array([1.0, 0.0]), room=0.5, min_share=0.4) == pytest.approx([0.25, 0.25])  # floor capped


def test_bandit_weights_keep_the_control_share_fixed() -> None:
    counts = {"a": ArmCounts("a", 120, 1000), "b": ArmCounts("b", 60, 1000), "c": ArmCounts("c", 59, 1000),
              "control": ArmCounts("control", 40, 1000)}
    weights = bandit_weights(ARMS, counts, min_share=0.05, rng=np.random.default_rng(2))
    assert weights["control"] == pytest.approx(0.25)
    assert weights["a"] == pytest.approx(0.65, abs=1e-3) and weights["b"] == pytest.approx(0.05, abs=1e-3)
    assert sum(weights.values()) == pytest.approx(1)
    off = bandit_weights([*ARMS[:3], Arm("d", 0, False), ARMS[3]], counts, min_share=0.05,
                         rng=np.random.default_rng(2))
    assert off["d"] == 0 and off["control"] == pytest.approx(0.25)


def test_serving_shares_by_weight_or_by_the_stored_bandit_shares() -> None:
    arms = [Arm("a", 3, False), Arm("b", 1, False), Arm("control", 1, True)]
    assert serving_shares(arms, bandit=False, stored={"a": 0.1}) == pytest.approx((0.6, 0.2, 0.2))
    assert serving_shares(arms, bandit=True, stored=None) == pytest.approx((0.6, 0.2, 0.2))
    assert serving_shares(arms, bandit=True, stored={"a": 0.2, "b": 0.6, "control": 0.2}) == pytest.approx(
        (0.2, 0.6, 0.2))
    # the control's share comes from its weight whatever was stored; the others are scaled to the rest
    assert serving_shares(arms, bandit=True, stored={"a": 0.1, "b": 0.1, "control": 0.8}) == pytest.approx(
        (0.4, 0.4, 0.2))
    assert serving_shares(arms, bandit=True, stored={"a": 0.5}) == pytest.approx((0.6, 0.2, 0.2))  # b is new


def test_new_visitors_follow_the_shares_and_a_shown_variant_is_kept() -> None:
    arms = [Arm("a", 1, False), Arm("b", 1, False), Arm("control", 1, True)]
    shares = (0.7, 0.1, 0.2)
    picked = Counter(pick_share(arms, shares, bucket(1, 7, uuid.uuid4().hex)).key  # type: ignore[union-attr]
                     for _ in range(20_000))
    assert picked["a"] / 20_000 == pytest.approx(0.7, abs=0.015)
    assert picked["control"] / 20_000 == pytest.approx(0.2, abs=0.015)
    assert kept(arms, shares, "b") == arms[1]
    assert kept(arms, (0.8, 0.0, 0.2), "b") is None  # switched off: assigned afresh
    assert kept(arms, shares, None) is None and kept(arms, shares, "gone") is None
    assert pick_share(arms, (0.0, 0.0, 0.0), 0.5) is None


# the campaign: checks, YAML, serving

def test_checks_a_bandit_needs_two_message_variants_and_room_for_the_floor(session: Session, site: Site) -> None:
    one = campaign_data(variants=[{"key": "a", "message": "A"}, {"key": "control", "control": True}],
                        allocation=bandit())
    with pytest.raises(InvalidFields) as caught:
        make_campaign(session, site, **one)
    assert [p.field for p in caught.value.problems] == ["allocation.mode"]
    session.rollback()
    crowded = campaign_data(variants=BANDIT_VARIANTS, allocation=bandit(min_share=0.4))
    with pytest.raises(InvalidFields) as caught:
        make_campaign(session, site, **crowded)
    assert caught.value.problems[0].field == "allocation.min_share"
    assert "2 variants at 40% each need more than the 67% of traffic the control leaves" in \
        caught.value.problems[0].message
    session.rollback()
    with pytest.raises(InvalidFields) as caught:
        make_campaign(session, site, **campaign_data(variants=BANDIT_VARIANTS, allocation=bandit(metric="revenue")))
    assert caught.value.problems[0].field == "allocation.metric"


def test_yaml_round_trip_keeps_the_allocation(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, name="Bandit", variants=BANDIT_VARIANTS,
                             allocation=bandit(metric="click", min_share=0.1))
    make_campaign(session, site, name="Fixed")
    text = export_campaigns(session=session, site=site)
    assert "allocation:\n    mode: bandit\n    metric: click\n    min_share: 0.1\n" in text
    assert text.count("allocation:") == 1  # a fixed split is the default and left out
    update_campaign(session=session, site=site, campaign_id=campaign.pk,
                    data=campaign_data(name="Bandit", variants=BANDIT_VARIANTS))
    assert get_campaign(session=session, site=site, campaign_id=campaign.pk).allocation == "fixed"
    import_campaigns(session=session, site=site, text=text)
    stored = get_campaign(session=session, site=site, campaign_id=campaign.pk)
    assert (stored.allocation, stored.bandit_metric, stored.min_share) == ("bandit", "click", 0.1)


def test_serving_is_sticky_follows_new_shares_and_reads_nothing_more(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=BANDIT_VARIANTS, allocation=bandit(min_share=0.0))
    fixed = make_campaign(session, site, placement="checkout", variants=BANDIT_VARIANTS)
    cache = CampaignCache()
    track(session, site, "anon-bandit-b", NOW - timedelta(days=1), shown(campaign, "b"), shown(fixed, "b"))

    def served(anon: str, placement: str = "cart") -> str:
        snapshot = snapshot_for(session=session, site=site, anon_id=anon, now=NOW)
        chosen = choose(session=session, site=site, placement=placement, snapshot=snapshot, now=NOW, cache=cache)
        return chosen[0].variant

    campaign.serving_weights, campaign.weights_updated_at = {"a": 0.99, "b": 0.01, "control": 0.0}, NOW
    session.add(campaign)
    session.commit()
    fresh = Counter(served(f"anon-new-{n}") for n in range(60))
    assert fresh["a"] >= 30 and fresh["control"] in range(10, 31)  # control keeps its third whatever was stored
    assert served("anon-bandit-b") == "b"  # shown b before: keeps b though new visitors rarely get it
    snapshot = snapshot_for(session=session, site=site, anon_id="anon-bandit-b", now=NOW)
    with statements(session.get_bind().engine) as bandit_reads:
        choose(session=session, site=site, placement="cart", snapshot=snapshot, now=NOW, cache=cache)
    with statements(session.get_bind().engine) as fixed_reads:
        choose(session=session, site=site, placement="checkout", snapshot=snapshot, now=NOW, cache=cache)
    assert len(bandit_reads) == len(fixed_reads) == 2  # the cache's stamp and the history: nothing for the bandit


def purchase() -> dict[str, Any]:
    return {"type": "purchase", "order_id": uuid.uuid4().hex, "value": 20.0}


def test_allocations_update_from_results_and_reach_the_cache(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=BANDIT_VARIANTS, allocation=bandit(min_share=0.05))
    fixed = make_campaign(session, site, variants=BANDIT_VARIANTS)
    at = NOW - timedelta(days=1)
    for n in range(30):
        track(session, site, f"anon-up-a{n}", at, shown(campaign, "a"), *([purchase()] if n < 15 else []))
        track(session, site, f"anon-up-b{n}", at, shown(campaign, "b"), *([purchase()] if n < 1 else []))
    cache = CampaignCache()
    before = next(c for c in cache.live(session=session, site=site).campaigns if c.id == campaign.pk)
    assert before.shares == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    done = update_allocations(session=session, site=site, now=NOW, rng=np.random.default_rng(3))
    session.commit()
    assert [d.campaign_id for d in done] == [campaign.pk]  # only live bandit campaigns
    weights = done[0].weights
    assert weights["control"] == pytest.approx(1 / 3) and weights["a"] > 0.6 and weights["b"] == pytest.approx(0.05)
    assert done[0].line().startswith(f"campaign {campaign.pk} (")
    after = next(c for c in cache.live(session=session, site=site).campaigns if c.id == campaign.pk)
    assert after.shares == pytest.approx((weights["a"], weights["b"], weights["control"]))
    assert get_campaign(session=session, site=site, campaign_id=fixed.pk).serving_weights is None


def test_the_command_updates_the_bandit_campaigns(session: Session, site: Site, database_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = make_campaign(session, site, name="Nudge", variants=BANDIT_VARIANTS, allocation=bandit())
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["campaigns", "allocate", "--site", site.key])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{site.key}: bandit campaign {campaign.pk} (Nudge): a ")
    session.expire_all()
    assert get_campaign(session=session, site=site, campaign_id=campaign.pk).serving_weights is not None


def test_a_bad_allocation_in_yaml_is_named_with_its_line() -> None:
    text = ("campaigns:\n  - name: Nudge\n    placement: cart\n    variants:\n      - {key: a, message: A}\n"
            "      - {key: b, message: B}\n    allocation:\n      mode: greedy\n      min_share: 0.9\n")
    with pytest.raises(InvalidFields) as caught:
        import_yaml(text)
    found = {(p.field, p.line) for p in caught.value.problems}
    assert ("campaigns[0].allocation.mode", 8) in found and ("campaigns[0].allocation.min_share", 9) in found
