"""Survey comment themes on real reviews: English clothing reviews (1-5) and Chinese hotel reviews (0/1).

    .venv/bin/python -m benchmarks.survey_themes              # about 10 s
    .venv/bin/python -m benchmarks.survey_themes --compare    # + coherence per k and LDA (about 1 min more)

Each data set goes through `surveys.themes.find_themes` exactly as the admin calls it: comments and
scores, the default number of themes. Low scores are 1-2 and high 4-5 for the clothing ratings (as CSAT
counts them), label 0 and 1 for the hotels. Times are wall-clock for the whole call (tokenising, TF-IDF,
NMF), and for 4 copies of the hotel reviews (31,064 comments) to show how the time grows. Data is read
from ../shared/data/reviews (or $ASSISTANT_SHARED_DATA) and never copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer

from assistant.surveys import themes
from assistant.surveys.tokens import tokens

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = Path(os.environ.get("ASSISTANT_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "reviews"
SHOWN_WORDS = 8


def clothing() -> tuple[list[str], list[int]]:
    """Review texts (the 958 of 1,000 with text) and their 1-5 ratings."""
    with (REVIEWS / "clothing_reviews_1000.csv").open(encoding="utf-8", newline="") as file:
        rows = [r for r in csv.DictReader(file) if r["Review Text"].strip()]
    return [r["Review Text"] for r in rows], [int(r["Rating"]) for r in rows]


def hotels() -> tuple[list[str], list[int]]:
    """The 7,766 hotel reviews and their labels (1 positive, 0 negative)."""
    with (REVIEWS / "chnsenticorp_hotel_reviews.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    return [r[1] for r in rows], [int(r[0]) for r in rows]


def show(name: str, comments: list[str], scores: list[int], low_max: int, high_min: int) -> None:
    """Find and print the themes of one data set with the time taken."""
    start = time.perf_counter()
    result = themes.find_themes(comments, scores, low_max=low_max, high_min=high_min)
    seconds = time.perf_counter() - start
    print(f"\n## {name}: {len(comments):,} comments, {len(result.themes)} themes, {seconds:.1f} s "
          f"(low: {result.n_low:,}, high: {result.n_high:,}; coherence {result.coherence:.3f})\n")
    print("| comments | share | among low | among high | top words |")
    print("|---:|---:|---:|---:|---|")
    for theme in result.themes:
        print(f"| {theme.size:,} | {theme.share:.0%} | {theme.share_low:.0%} | {theme.share_high:.0%} | "
              f"{' '.join(theme.words[:SHOWN_WORDS])} |")


def scale(comments: list[str], copies: int = 4) -> None:
    """Time the hotel reviews repeated `copies` times (tens of thousands of comments)."""
    start = time.perf_counter()
    themes.find_themes(comments * copies)
    print(f"\n{len(comments) * copies:,} comments ({copies} copies of the hotel reviews): "
          f"{time.perf_counter() - start:.1f} s")


def coherence_by_k(name: str, comments: list[str]) -> None:
    """Mean NPMI of the top words for k = 4..12 (the criterion tried for choosing k, and dropped)."""
    matrix, _ = themes._tfidf(comments)
    values = [f"{k}: {themes._fit(matrix, k, themes.TOP_WORDS)[2]:.3f}" for k in range(4, 13)]
    print(f"\n{name}, coherence by k: {', '.join(values)}")


def lda(name: str, comments: list[str], k: int) -> None:
    """LDA on word counts with the same words, for comparison with NMF: time and top words."""
    vectorizer = CountVectorizer(analyzer=tokens, min_df=2, max_df=0.5, max_features=themes.MAX_WORDS)
    counts = vectorizer.fit_transform(comments)
    start = time.perf_counter()
    model = LatentDirichletAllocation(n_components=k, random_state=themes.RANDOM_STATE).fit(counts)
    seconds = time.perf_counter() - start
    words = vectorizer.get_feature_names_out()
    print(f"\n{name}, LDA with {k} topics: {seconds:.1f} s")
    for row in model.components_:
        print("  " + " ".join(words[np.argsort(-row)[:SHOWN_WORDS]]))


def main() -> None:
    """Print the themes of both data sets; with --compare, the coherence curve and LDA too."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also coherence by k and LDA")
    args = parser.parse_args()
    english, ratings = clothing()
    chinese, labels = hotels()
    show("Clothing reviews (English, rating 1-5)", english, ratings, low_max=2, high_min=4)
    show("Hotel reviews (Chinese, label 0/1)", chinese, labels, low_max=0, high_min=1)
    scale(chinese)
    if args.compare:
        coherence_by_k("Clothing", english)
        coherence_by_k("Hotels", chinese)
        lda("Hotels", chinese, themes.default_k(len(chinese)))


if __name__ == "__main__":
    main()
