"""Themes found in survey comments: TF-IDF over words and CJK bigrams, factorised by NMF.

NMF rather than LDA: on short comments LDA's per-comment topic mixtures rest on a handful of words and
its topics fill up with the corpus's most frequent words; NMF on TF-IDF weights (which discount those)
gives tighter word lists. On the 7,766 hotel reviews LDA (12 topics, on counts) took 30-37 s to fit and
put 服务 (service) among the top 8 words of all 12 topics; the whole NMF call took 2.9-5.7 s, with
service one theme among others (docs/surveys-results.md). NMF with the nndsvda start and a fixed
random_state is deterministic. Each comment goes to its strongest theme, and a theme's share among
low-score and high-score comments says whether it is a complaint or a compliment.

The number of themes, when not given, is one per 100 comments, at least 2 and at most 12: 100 comments
a theme on average keep its share among low scores measurable, and twelve themes are still read at a
glance while leaving room for the five or six a person names beside product-type and thank-you themes.
Choosing k by topic coherence (mean NPMI of the top words, Lau et al. 2014) over k = 4..12 was tried
and dropped: on the English reviews it jumped between neighbouring k without a trend; on the Chinese
ones its mean is carried by two templated themes (a site's navigation text, the hotel's thank-you
reply: NPMI 0.99 and 0.71) whose weight shrinks as k grows, while the other themes scored 0.13 at k = 6
and 0.14 at k = 12; and it costs a fit per k. The chosen themes' coherence is still reported.

Top words shown for a theme skip a CJK bigram that overlaps a word shown before it by one character
(理位 after 位置, from 地理位置; 通方 after 交通, from 交通方便): such bigrams are halves of the same
longer word, and showing them crowds out the theme's other words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.surveys.tokens import is_cjk, tokens

TOP_WORDS = 10
MAX_THEMES = 12
COMMENTS_PER_THEME = 100
MAX_WORDS = 10_000
"""Vocabulary kept for the factorisation (the most frequent words): halves its time on 7,766 hotel reviews."""
RANDOM_STATE = 0
NO_THEME = -1


@dataclass(frozen=True)
class Theme:
    """One theme: its top words, how many comments it holds, and its share overall, among low and high scores."""

    words: list[str]
    size: int
    share: float
    share_low: float | None
    share_high: float | None
    """Share of the low-score (high-score) comments that fall in this theme; None when there are none."""

    def to_json(self) -> dict[str, Any]:
        """The theme as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class Themes:
    """The themes of a set of comments, largest first, and each comment's theme (index, or -1 for none)."""

    themes: list[Theme]
    assignments: list[int]
    n_low: int
    n_high: int
    coherence: float | None

    def to_json(self) -> dict[str, Any]:
        """The themes as a JSON object."""
        return asdict(self)


def find_themes(comments: Sequence[str], scores: Sequence[float | None] | None = None, *, k: int | None = None,
                low_max: float = 2, high_min: float = 4, top_words: int = TOP_WORDS) -> Themes:
    """Themes of `comments`; with `scores`, each theme's share among scores <= low_max and >= high_min.

    A comment whose score is None (a comment left without a score) counts in neither group.
    """
    if scores is not None and len(scores) != len(comments):
        raise ValueError(f"{len(scores)} scores for {len(comments)} comments")
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    low, high = _groups(scores, len(comments), low_max, high_min)
    matrix, vocabulary = _tfidf(comments)
    if matrix.shape[1] == 0 or matrix.nnz == 0:
        return Themes([], [NO_THEME] * len(comments), int(low.sum()), int(high.sum()), None)
    weights, words, coherence = _fit(matrix, min(k or default_k(len(comments)), *matrix.shape), top_words)
    assigned = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), NO_THEME)
    themes = [_theme(_shown(vocabulary[w].tolist(), top_words), assigned == t, low, high)
              for t, w in enumerate(words)]
    order = sorted(range(len(themes)), key=lambda t: -themes[t].size)
    renumber = {old: new for new, old in enumerate(order)} | {NO_THEME: NO_THEME}
    return Themes([themes[t] for t in order], [renumber[int(t)] for t in assigned], int(low.sum()),
                  int(high.sum()), coherence)


def _groups(scores: Sequence[float | None] | None, n: int, low_max: float, high_min: float) -> tuple[NDArray, NDArray]:
    if scores is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    values = np.asarray(scores, dtype=float)
    return values <= low_max, values >= high_min


def _tfidf(comments: Sequence[str]) -> tuple[sparse.csr_matrix, NDArray]:
    """TF-IDF of the comments; a word must be in 2 comments (1 below 20 comments) and in at most half of them.

    A word in more than half of all comments names the product (dress, 酒店 hotel, 房间 room), not a theme.
    """
    small = len(comments) < 20
    vectorizer = TfidfVectorizer(analyzer=tokens, min_df=1 if small else 2, max_df=1.0 if small else 0.5,
                                 max_features=MAX_WORDS, sublinear_tf=True, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(comments)
    except ValueError:  # nothing but stop words, punctuation or empty strings
        return sparse.csr_matrix((len(comments), 0)), np.array([], dtype=object)
    return matrix, vectorizer.get_feature_names_out()


def default_k(n_comments: int) -> int:
    """One theme per 100 comments, at least 2 and at most 12."""
    return max(2, min(MAX_THEMES, n_comments // COMMENTS_PER_THEME))


def _fit(matrix: sparse.csr_matrix, k: int, top_words: int) -> tuple[NDArray, list[NDArray], float]:
    """Comment-theme weights, each theme's top word indices, and their mean NPMI coherence."""
    model = NMF(n_components=k, init="nndsvda", random_state=RANDOM_STATE, max_iter=400, tol=1e-3)
    weights = model.fit_transform(matrix)
    words = [np.argsort(-row, kind="stable")[:min(3 * top_words, int((row > 0).sum()))]
             for row in model.components_]
    return weights, words, float(np.mean([_npmi(matrix, w[:top_words]) for w in words]))


def _shown(ranked: list[str], top_words: int) -> list[str]:
    """The first `top_words` words, skipping a CJK bigram that chains onto a word already shown."""
    shown: list[str] = []
    for word in ranked:
        if not any(_chained(word, earlier) for earlier in shown):
            shown.append(word)
    return shown[:top_words]


def _chained(word: str, earlier: str) -> bool:
    if len(word) != 2 or len(earlier) != 2 or not (is_cjk(word) and is_cjk(earlier)):
        return False
    return word[0] == earlier[1] or word[1] == earlier[0]


def _npmi(matrix: sparse.csr_matrix, words: NDArray) -> float:
    """Mean normalised pointwise mutual information of each pair of words, by the comments they share."""
    present = (matrix[:, words] > 0).astype(np.float64)
    together = (present.T @ present).toarray()
    n, counts = matrix.shape[0], np.diag(together)
    values = []
    for i in range(len(words)):
        for j in range(i + 1, len(words)):
            joint = together[i, j] / n
            if joint == 0:
                values.append(-1.0)
            elif joint == 1:
                values.append(1.0)
            else:
                pmi = math.log(joint / (counts[i] / n * counts[j] / n))
                values.append(pmi / -math.log(joint))
    return float(np.mean(values)) if values else 0.0


def _theme(words: list[str], members: NDArray, low: NDArray, high: NDArray) -> Theme:
    size = int(members.sum())
    return Theme(words, size, size / len(members), _share(members, low), _share(members, high))


def _share(members: NDArray, group: NDArray) -> float | None:
    total = int(group.sum())
    return int((members & group).sum()) / total if total else None
