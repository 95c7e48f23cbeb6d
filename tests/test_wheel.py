"""The wheel ships the top-level folders (static, templates, flows, surveys, rules, translations) as data: every
file, the widget's lazy modules included, lands where assistant.paths looks for it in an install
(share/assistant/...)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
SOURCES = ["pyproject.toml", "README.md", "assistant", "static", "templates", "flows", "surveys", "rules",
           "translations"]
DATA = ["static", "templates", "flows", "surveys", "rules", "translations"]


def build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the sources (the shared working tree gets no build/ or egg-info)."""
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        if (CHECKOUT / name).is_dir():
            shutil.copytree(CHECKOUT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(CHECKOUT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
                           str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("assistant-*.whl")
    return wheel


def test_the_wheel_ships_every_data_file(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        shipped = {name.split("/data/share/assistant/", 1)[1] for name in wheel.namelist()
                   if "/data/share/assistant/" in name}
        packaged = set(wheel.namelist())
    files = {path.relative_to(CHECKOUT).as_posix() for name in DATA
             for path in (CHECKOUT / name).rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    assert {"static/widget/widget.js", "static/widget/quiz.js", "static/widget/quiz.css"} <= shipped
    assert sorted(files - shipped) == []
    assert {"assistant/tracking/history_layouts/online_retail.yaml",  # `history import --layout`
            "assistant/tracking/history_layouts/shopify_orders.yaml"} <= packaged
