"""`assistant train` computes and stores every site's customer figures after its recommendation bundle."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text

from assistant import migrate
from assistant.db import make_engine
from tests.test_cli import run


def test_train_prints_and_stores_the_customer_figures(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    migrate.upgrade(f"sqlite:///{template}")
    shutil.copy(template, tmp_path / "cli.db")
    assert run("site", "create", "--name", "Shop", "--key", "pk_cli", tmp_path=tmp_path).returncode == 0
    feed = tmp_path / "products.csv"
    feed.write_text("sku,title,price\nA1,Road shoe,89.90\nA2,Trail shoe,99\n")
    assert run("catalog", "import", str(feed), "--site", "pk_cli", tmp_path=tmp_path).returncode == 0
    orders = tmp_path / "orders.jsonl"
    orders.write_text("".join(
        f'{{"order_id": "o{i}", "value": {10 + i}, "customer_id": "c{i % 3}", "ordered_at": "2026-0{1 + i % 9}-15"}}\n'
        for i in range(9)))
    assert run("orders", "import", str(orders), "--site", "pk_cli", tmp_path=tmp_path).returncode == 0
    trained = run("train", "--horizon-days", "90", tmp_path=tmp_path, env={"ASSISTANT_MODELS": str(tmp_path / "m")})
    assert trained.returncode == 0, trained.stderr
    *_, line, earnings = trained.stdout.splitlines()
    assert earnings.startswith("pk_cli: earnings ") and "earnings_group_day 0" in earnings
    assert line.startswith("pk_cli: 3 customers, 9 orders;") and "too few customers to fit BG/NBD" in line
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT customer_key, orders FROM customer_figure ORDER BY 1")).all()
        horizon = connection.execute(text("SELECT horizon_days FROM insight_state")).scalar_one()
    engine.dispose()
    assert [tuple(r) for r in stored] == [("c0", 3), ("c1", 3), ("c2", 3)] and horizon == 90
