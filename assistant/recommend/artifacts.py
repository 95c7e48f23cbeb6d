"""Save fitted strategies as plain arrays (.npz) with a small JSON header; loading never unpickles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import NotFittedError, Strategy
from assistant.recommend.ease import EASE
from assistant.recommend.popular import Popular, Trending
from assistant.recommend.recent import RecentlyViewed
from assistant.recommend.rules import SequentialRules
from assistant.recommend.session_knn import SessionKNN
from assistant.recommend.similar import ContentSimilar
from assistant.recommend.together import CoOccurrence

FORMAT = 1
STRATEGIES: dict[str, type[Strategy]] = {cls.__name__: cls for cls in
                                         (Popular, Trending, CoOccurrence, EASE, SequentialRules, SessionKNN,
                                          ContentSimilar, RecentlyViewed)}
SPARSE = {"csr": sp.csr_matrix, "csc": sp.csc_matrix}


class ArtifactError(ValueError):
    """A file is not a strategy artifact this version can read."""


def save(model: Strategy, path: Path) -> None:
    """Write the fitted `model` to `path` (an .npz file): learned arrays plus a JSON header naming class and params."""
    if not hasattr(model, "item_ids_"):
        raise NotFittedError(f"{type(model).__name__} is not fitted: nothing to save")
    header: dict[str, Any] = {"format": FORMAT, "class": type(model).__name__, "params": model.get_params(),
                              "arrays": [], "sparse": {}, "scalars": {}}
    arrays: dict[str, Any] = {}
    for name, value in sorted(vars(model).items()):
        if name.startswith("_") or not name.endswith("_"):
            continue
        if sp.issparse(value):
            header["sparse"][name] = {"format": value.format, "shape": list(value.shape)}
            arrays.update({f"{name}.data": value.data, f"{name}.indices": value.indices,
                           f"{name}.indptr": value.indptr})
        elif isinstance(value, np.ndarray) and value.dtype != object:
            header["arrays"].append(name)
            arrays[name] = value
        elif value is None or isinstance(value, bool | int | float | str):
            header["scalars"][name] = value
        else:
            raise TypeError(f"cannot save {type(model).__name__}.{name} of type {type(value).__name__}")
    arrays["__header__"] = np.array(json.dumps(header))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def load(path: Path) -> Strategy:
    """Read a strategy written by :func:`save`, ready to recommend."""
    with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:  # closed even when not a zip
        header = _header(data, path)
        model = _strategy(header, path)
        for name in header["arrays"]:
            setattr(model, name, data[name])
        for name, meta in header["sparse"].items():
            parts = (data[f"{name}.data"], data[f"{name}.indices"], data[f"{name}.indptr"])
            setattr(model, name, SPARSE[meta["format"]](parts, shape=tuple(meta["shape"])))
    for name, value in header["scalars"].items():
        setattr(model, name, value)
    return model


def _strategy(header: dict[str, Any], path: Path) -> Strategy:
    try:
        return STRATEGIES[header["class"]](**header["params"])
    except TypeError as exc:  # parameters of another version of the strategy
        raise ArtifactError(f"{path}: {header['class']} with parameters {sorted(header['params'])} cannot be "
                            f"built by this version ({exc}); retrain with `assistant train`") from None


def _header(data: Any, path: Path) -> dict[str, Any]:
    if "__header__" not in data:
        raise ArtifactError(f"{path}: not a strategy artifact (no header)")
    header = json.loads(str(data["__header__"]))
    if header.get("format") != FORMAT:
        raise ArtifactError(f"{path}: artifact format {header.get('format')!r}, this version reads {FORMAT}")
    if header.get("class") not in STRATEGIES:
        raise ArtifactError(f"{path}: unknown strategy {header.get('class')!r} (known: {', '.join(STRATEGIES)})")
    return header
