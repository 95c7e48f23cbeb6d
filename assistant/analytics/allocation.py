"""Bandit campaigns' new serving shares from their results: the offline half of promotions.bandit.

Run by `assistant train` and `assistant campaigns allocate` (e.g. hourly from cron): for each live
bandit campaign of a site, the results as the results page counts them (exposed visitors per
variant, and who converted or clicked), Thompson sampling over the message variants, and the shares
stored on the campaign with `weights_updated_at`, which every app node's live-campaign cache sees
on its next request. A visitor already exposed keeps their variant (see promotions.variants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlmodel import Session, col, select

from assistant.promotions.bandit import Arm, ArmCounts, bandit_weights
from assistant.promotions.models import Campaign, Variant
from assistant.sites.models import Site

from .experiments import experiment_results


@dataclass(frozen=True)
class Allocated:
    """One campaign's update: its id, name and new share per variant key."""

    campaign_id: int
    name: str
    weights: dict[str, float]

    def line(self) -> str:
        """'campaign 4 (Gap nudge): a 61 %, b 29 %, control 10 %'."""
        shares = ", ".join(f"{key} {share:.0%}" for key, share in self.weights.items())
        return f"campaign {self.campaign_id} ({self.name}): {shares}"


def update_allocations(*, session: Session, site: Site, now: datetime,
                       rng: np.random.Generator | None = None) -> list[Allocated]:
    """New serving shares for every live bandit campaign of `site` (flushed; the caller commits)."""
    rng = rng if rng is not None else np.random.default_rng()
    query = select(Campaign).where(Campaign.site_id == site.id, Campaign.status == "live",
                                   Campaign.allocation == "bandit").order_by(col(Campaign.id))
    done = []
    for campaign in session.exec(query).all():
        weights = campaign_weights(session=session, site=site, campaign=campaign, rng=rng)
        campaign.serving_weights, campaign.weights_updated_at = weights, now
        session.add(campaign)
        done.append(Allocated(campaign.pk, campaign.name, weights))
    session.flush()
    return done


def campaign_weights(*, session: Session, site: Site, campaign: Campaign, rng: np.random.Generator) -> dict[str, float]:
    """The campaign's shares now, from its results on its bandit metric."""
    variants = list(session.exec(select(Variant).where(Variant.campaign_id == campaign.pk).order_by(col(Variant.id))))
    result = experiment_results(session=session, site=site, campaign=campaign)
    clicks = campaign.bandit_metric == "click"
    counts = {a.key: ArmCounts(a.key, a.clickers if clicks else a.conversions, a.visitors) for a in result.arms}
    arms = [Arm(v.key, v.weight, v.is_control) for v in variants]
    return bandit_weights(arms, counts, min_share=campaign.min_share, rng=rng)
