"""Schemathesis against the live server (gunicorn as the README runs it in production): no 5xx, every answer as the
OpenAPI document says (status, content type, headers, body), bad input refused with a documented 4xx.

Bounded for CI (ASSISTANT_FUZZ_EXAMPLES, default 20 a phase and operation, fixed seed); the long run is
`python -m benchmarks.api_fuzz` (docs/api.md).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import need
from tests.ops.live_api import SCHEMATHESIS, live_shop, schemathesis, write_config
from tests.test_production_smoke import BIN

EXAMPLES = int(os.environ.get("ASSISTANT_FUZZ_EXAMPLES", "20"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shop.db'}"


def documented_operations() -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document describes: what the run must have selected and tested."""
    from assistant.api.openapi import document as openapi_document
    from assistant.app import create_app
    from assistant.config import Settings

    document = openapi_document(create_app(Settings(database_url="sqlite://", testing=True)))
    return [(method, path) for path, item in document["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete", "options", "head"}]


def test_every_operation_holds_to_the_document(sqlite_url: str, tmp_path: Path) -> None:
    need(Path(SCHEMATHESIS).exists() and shutil.which("gunicorn", path=str(BIN)) is not None,
         f"schemathesis and gunicorn are not installed beside {sys.executable}")
    started = time.monotonic()
    with live_shop(sqlite_url, tmp_path) as shop:
        config = write_config(shop, tmp_path / "schemathesis.toml", examples=EXAMPLES, seed=18)
        done = schemathesis(shop, config, tmp_path / "events.ndjson", "--max-time", "40")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-20000:]
    counted = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counted and counted.group(1) == counted.group(2), output[-5000:]
    assert int(counted.group(1)) >= 500, f"only {counted.group(1)} cases ran:\n{output[-5000:]}"
    operations = len(documented_operations())
    assert f"Operations:       {operations} selected / {operations} total" in output, output[-5000:]
    assert f"Tested: {operations}" in output, output[-5000:]
    print(f"{counted.group(1)} cases, every operation, no failure, in {time.monotonic() - started:.0f} s")
