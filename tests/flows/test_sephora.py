"""The quiz engine on the real Sephora skincare catalog: every answer combination, checked exactly.

Ground truth comes straight from the CSV (BASELINES.md): Label, skin-type flag = 1, Price <= budget,
ingredient not in Ingredients. A returned product may break a constraint only if the response says
that constraint was relaxed.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session

from assistant.catalog.importers import read_rows
from assistant.catalog.mapping import ColumnMapping, slug
from assistant.catalog.service import import_products, list_products
from assistant.flows.answers import give_answer
from assistant.flows.engine import candidates, results
from assistant.flows.registry import read_flow
from assistant.sites.models import Site
from tests.conftest import shared_data

DATA = Path(__file__).resolve().parents[1] / "data"
LABELS = {"moisturizer": "Moisturizer", "cleanser": "Cleanser", "mask": "Face Mask", "treatment": "Treatment",
          "eye": "Eye cream", "sun": "Sun protect"}
SKINS = {"combination": "Combination", "dry": "Dry", "normal": "Normal", "oily": "Oily", "sensitive": "Sensitive"}
AVOID = {"nothing": [], "fragrance": ["fragrance", "parfum"], "alcohol": ["alcohol denat"], "parabens": ["paraben"]}
BUDGETS = [10, 25, 50, 100, 400]


def _truth(row: dict[str, str], product: str, skin: str, avoid: str, budget: float) -> dict[str, bool]:
    ingredients = row["Ingredients"].lower()
    return {
        "product": row["Label"] == LABELS[product],
        "skin": row[SKINS[skin]] == "1",
        "avoid": not any(word in ingredients for word in AVOID[avoid]),
        "budget": float(row["Price"]) <= budget,
    }


def _parts(rows: dict[str, dict[str, str]]) -> dict[str, dict[str, dict[Any, bool]]]:
    """Each row's `_truth` for each answer of each question, read from the file once per row and answer (not once
    per row and combination of the four answers)."""
    return {sku: {"product": {p: _truth(row, p, "dry", "nothing", 0)["product"] for p in LABELS},
                  "skin": {s: _truth(row, "mask", s, "nothing", 0)["skin"] for s in SKINS},
                  "avoid": {a: _truth(row, "mask", "dry", a, 0)["avoid"] for a in AVOID},
                  "budget": {b: _truth(row, "mask", "dry", "nothing", b)["budget"] for b in BUDGETS}}
            for sku, row in rows.items()}


def test_every_answer_combination_respects_unrelaxed_constraints(session: Session, site: Site) -> None:
    source = shared_data("sephora_cosmetics_catalog", "cosmetics.csv")
    mapping = ColumnMapping.from_dict(yaml.safe_load((DATA / "sephora-mapping.yaml").read_text()))
    report = import_products(session=session, site=site, rows=read_rows(source), mapping=mapping)
    session.commit()
    assert (report.created, report.errors) == (1472, [])
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = {slug(f"{r['Brand']}-{r['Name']}"): r for r in csv.DictReader(handle)}
    loaded, problems = read_flow(DATA / "flows" / "sephora-skincare.yaml")
    assert loaded.flow is not None and problems == []
    flow = loaded.flow
    products = list_products(session=session, site=site)
    pool = candidates(flow, products)

    relax_order = ["budget", "avoid", "skin", "product"]  # least important first, as the flow says
    parts = _parts(rows)
    combos = empty_exact = 0
    for product, skin, avoid, budget in itertools.product(LABELS, SKINS, AVOID, BUDGETS):
        answers: list = []
        for question, value in [("product", product), ("skin", skin), ("avoid", avoid), ("budget", [0, budget])]:
            answers = give_answer(flow, answers, question, value)
        result = results(flow, answers, pool, everything=products)
        truth = {sku: {"product": part["product"][product], "skin": part["skin"][skin], "avoid": part["avoid"][avoid],
                       "budget": part["budget"][budget]} for sku, part in parts.items()}  # _truth(row, ...) of each
        combos += 1
        empty_exact += not any(all(t.values()) for t in truth.values())
        relaxed = [r.question_id for r in result.relaxed]
        fewest = next(n for n in range(5) if any(
            all(ok for k, ok in t.items() if k not in relax_order[:n]) for t in truth.values()))
        assert relaxed == relax_order[:fewest], (product, skin, avoid, budget)
        eligible = {sku for sku, t in truth.items() if all(ok for k, ok in t.items() if k not in relaxed)}
        returned = [m.product.sku for m in result.items]
        assert set(returned) <= eligible, (product, skin, avoid, budget, set(returned) - eligible)
        assert len(returned) == min(len(eligible), flow.results.count)
    print(f"\nsephora: {combos} answer combinations; {empty_exact} ({empty_exact / combos:.1%}) have no exact "
          "match and were answered with the least important constraint relaxed and named")
