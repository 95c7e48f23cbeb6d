"""The hyper-parameters the offline evaluation chose; training and `benchmarks/evaluate_recs.py` both read them.

Session strategy: tuned on YOOCHOOSE train_tr -> train_valid (two-round coordinate search from VSTAN's
published settings, objective HR@20 + MRR@20). Basket strategies: tuned on Online Retail invoices
before 2010-07 -> July-August 2010 (objective HR@10 + MRR@10). The test files were never used.
"""

from __future__ import annotations

from typing import Any

CHOSEN_SESSION: dict[str, Any] = dict(
    k=1000, sample_size=5000, similarity="cosine", lambda_spw=0.5, lambda_snh=5, lambda_inh=8.0, lambda_ipw=4.0,
    idf_weighting=2, reminder_boost=0.1, rules_weight=0.1)
CHOSEN_COOCCURRENCE: dict[str, Any] = dict(alpha=0.5, beta=0.5)
CHOSEN_CART_KNN: dict[str, Any] = dict(k=100, sample_size=5000, similarity="cosine", weighting="same",
                                       weighting_score="same", idf_weighting=1)
CHOSEN_EASE: dict[str, Any] = dict(l2=50, max_neighbors=200)
