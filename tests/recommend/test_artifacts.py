"""Artifacts are arrays plus a JSON header; nothing is ever unpickled."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.recommend import artifacts
from assistant.recommend.artifacts import ArtifactError
from assistant.recommend.base import Context
from assistant.recommend.popular import Popular
from assistant.recommend.session_knn import SessionKNN
from tests.recommend.helpers import chains


def test_header_names_class_and_params(tmp_path: Path) -> None:
    artifacts.save(Popular(by_category=True).fit(chains()), tmp_path / "popular.npz")
    with np.load(tmp_path / "popular.npz", allow_pickle=False) as data:
        header = json.loads(str(data["__header__"]))
    assert header["class"] == "Popular" and header["params"] == {"by_category": True}
    assert "item_ids_" in header["arrays"]


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    header = {"format": artifacts.FORMAT, "class": "Popular", "params": {}, "arrays": ["item_ids_"],
              "sparse": {}, "scalars": {}}
    path = tmp_path / "evil.npz"
    np.savez(path, __header__=np.array(json.dumps(header)), item_ids_=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        artifacts.load(path)


@pytest.mark.parametrize(("header", "message"), [
    (None, "no header"),
    ({"format": 99, "class": "Popular"}, "format 99"),
    ({"format": artifacts.FORMAT, "class": "os.system"}, "unknown strategy 'os.system'"),
    ({"format": artifacts.FORMAT, "class": "Popular", "params": {"by_colour": True}}, "retrain"),
])
def test_foreign_files_are_refused_with_a_reason(tmp_path: Path, header: dict | None, message: str) -> None:
    path = tmp_path / "other.npz"
    arrays = {} if header is None else {"__header__": np.array(json.dumps(header))}
    np.savez(path, x=np.zeros(2), **arrays)
    with pytest.raises(ArtifactError, match=message):
        artifacts.load(path)


def test_a_session_knn_saved_before_one_item_answers_were_kept_still_serves(tmp_path: Path) -> None:
    model = SessionKNN().fit(chains())
    for name in ("one_item_indptr_", "one_item_codes_", "one_item_scores_", "one_item_kept_"):
        delattr(model, name)  # what an older bundle holds
    artifacts.save(model, tmp_path / "session.npz")
    loaded = artifacts.load(tmp_path / "session.npz")
    context = Context(cart=("a1",))
    assert loaded.recommend(context, n=3) == SessionKNN().fit(chains()).recommend(context, n=3) != []
