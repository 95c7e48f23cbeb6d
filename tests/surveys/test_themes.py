"""Comment themes: on made-up comments whose themes are known, then on the real reviews in ../shared/data
(English clothing reviews rated 1-5; Chinese hotel reviews labelled 0/1, no spaces), where the themes
must be ones the data's README says a person would name."""

from __future__ import annotations

import csv

import pytest

from assistant.surveys.themes import NO_THEME, Theme, Themes, default_k, find_themes
from tests.conftest import shared_data

SHIPPING = ["delivery was late and shipping slow", "slow shipping, the parcel arrived late",
            "late delivery again", "shipping took weeks, delivery late"]
SIZING = ["the size runs small, order a larger size", "runs small so size up", "too small, the size chart is off",
          "size is small, runs tight"]


def test_two_known_themes_are_found_and_their_shares_by_score() -> None:
    comments = SHIPPING * 5 + SIZING * 5
    scores = [1] * 20 + [5] * 20
    result = find_themes(comments, scores, k=2)
    shipping, sizing = (_theme_with(result, "shipping"), _theme_with(result, "size"))
    assert shipping is not sizing
    assert {"delivery", "late"} <= set(shipping.words) and {"small", "runs"} <= set(sizing.words)
    assert (shipping.size, shipping.share_low, shipping.share_high) == (20, 1.0, 0.0)
    assert (sizing.share_low, sizing.share_high) == (0.0, 1.0)
    assert result.assignments[:20] == [result.themes.index(shipping)] * 20
    assert (result.n_low, result.n_high) == (20, 20)


def test_chinese_comments_without_spaces_have_themes() -> None:
    breakfast = ["早餐品种太少", "早餐很差，品种少", "早餐品种不多", "早餐一般品种少"]
    location = ["位置好，交通方便", "交通方便，位置不错", "位置很好交通便利", "交通方便位置佳"]
    result = find_themes((breakfast + location) * 5, ([0] * 4 + [1] * 4) * 5, k=2, low_max=0, high_min=1)
    assert _theme_with(result, "早餐").share_low == 1.0 and {"早餐", "品种"} <= set(_theme_with(result, "早餐").words)
    assert _theme_with(result, "交通").share_high == 1.0


def test_halves_of_one_longer_chinese_word_are_shown_once() -> None:
    result = find_themes(["地理位置好", "地理位置方便", "交通方便", "交通很方便"] * 5, k=1)
    words = result.themes[0].words
    assert "位置" in words and "交通" in words
    assert "理位" not in words and "通方" not in words   # halves of 地理位置 and 交通方便


def test_a_comment_with_no_words_has_no_theme() -> None:
    result = find_themes((SHIPPING + SIZING) * 5 + ["的了!!", "and the"], k=2)
    assert result.assignments[-2:] == [NO_THEME, NO_THEME]
    assert sum(t.size for t in result.themes) == 40


def test_the_same_comments_give_the_same_themes() -> None:
    comments = (SHIPPING + SIZING) * 10
    assert find_themes(comments) == find_themes(comments)


def test_a_comment_without_a_score_counts_in_neither_group() -> None:
    result = find_themes(SHIPPING * 5 + SIZING * 5, [1] * 19 + [None] + [5] * 20, k=2)
    assert (result.n_low, result.n_high) == (19, 20)
    assert _theme_with(result, "shipping").share_low == 1.0


def test_without_scores_the_shares_by_score_are_none() -> None:
    theme = find_themes((SHIPPING + SIZING) * 5, k=2).themes[0]
    assert theme.share_low is None and theme.share_high is None and theme.share > 0


def test_nothing_to_find_gives_no_themes() -> None:
    assert find_themes([]) == Themes([], [], 0, 0, None)
    nothing = find_themes(["", "the and of", "!!! 123", "的了"], [1, 2, 3, 4])
    assert nothing.themes == [] and nothing.assignments == [NO_THEME] * 4 and nothing.n_low == 2


def test_more_themes_asked_than_comments_allow() -> None:
    result = find_themes(["late delivery", "small size"], k=5)
    assert len(result.themes) <= 2 and set(result.assignments) <= {0, 1}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="2 scores for 1 comments"):
        find_themes(["late"], [1, 2])
    with pytest.raises(ValueError, match="k must be at least 1"):
        find_themes(["late"], k=0)


def test_default_number_of_themes() -> None:
    assert [default_k(n) for n in (0, 150, 958, 7766, 50_000)] == [2, 2, 9, 12, 12]


@pytest.fixture(scope="module")
def clothing() -> Themes:
    with shared_data("reviews", "clothing_reviews_1000.csv").open(encoding="utf-8", newline="") as file:
        rows = [r for r in csv.DictReader(file) if r["Review Text"].strip()]
    return find_themes([r["Review Text"] for r in rows], [int(r["Rating"]) for r in rows], low_max=2, high_min=4)


@pytest.fixture(scope="module")
def hotels() -> Themes:
    with shared_data("reviews", "chnsenticorp_hotel_reviews.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    return find_themes([r[1] for r in rows], [int(r[0]) for r in rows], low_max=0, high_min=1)


def test_clothing_reviews_have_the_themes_a_person_names(clothing: Themes) -> None:
    assert len(clothing.themes) == 9 and clothing.n_low == 97 and clothing.n_high == 737
    assert _some_theme_has(clothing, {"size", "small", "large", "fit", "runs"}, 3)       # fit and sizing
    assert _some_theme_has(clothing, {"fabric", "quality", "material", "soft", "thin"}, 2)  # fabric and quality
    assert _some_theme_has(clothing, {"petite", "short", "long", "length", "regular"}, 2)  # length
    assert _some_theme_has(clothing, {"color", "colors", "colour"}, 1)


def test_clothing_complaints_are_about_fit_length_or_fabric(clothing: Themes) -> None:
    complaint = max(clothing.themes, key=lambda t: (t.share_low or 0) / (t.share_high or 1))
    assert complaint.share_low is not None and complaint.share_high is not None
    assert complaint.share_low > 1.5 * complaint.share_high
    assert set(complaint.words) & {"petite", "short", "cut", "fabric", "small", "boxy", "back", "thin"}


def test_hotel_reviews_have_the_themes_a_person_names(hotels: Themes) -> None:
    assert len(hotels.themes) == 12 and (hotels.n_low, hotels.n_high) == (2444, 5322)
    assert _some_theme_has(hotels, {"早餐"}, 1)                            # breakfast
    assert _some_theme_has(hotels, {"服务", "前台", "态度"}, 2)              # service
    assert _some_theme_has(hotels, {"位置", "交通", "车站", "机场"}, 2)       # location and transport
    assert _some_theme_has(hotels, {"价格", "便宜", "偏高"}, 2)              # price
    assert _some_theme_has(hotels, {"隔音", "卫生", "干净", "设施", "陈旧"}, 2)  # room, cleanliness, noise


def test_hotel_complaints_and_compliments_by_label(hotels: Themes) -> None:
    check_in = _theme_with(hotels, "前台", first=True)
    assert check_in.share_low is not None and check_in.share_high is not None
    assert check_in.share_low > 2 * check_in.share_high                     # trouble at the desk: a complaint
    for word in ("交通", "位置"):
        theme = _theme_with(hotels, word, first=True)
        assert theme.share_low is not None and theme.share_high is not None
        assert theme.share_high > 2 * theme.share_low                        # location: a compliment


def _theme_with(result: Themes, word: str, first: bool = False) -> Theme:
    """The theme whose top words hold `word` (with first=True, the one where it ranks highest)."""
    holding = [t for t in result.themes if word in t.words]
    assert holding, f"no theme with {word!r}: {[t.words for t in result.themes]}"
    if not first:
        assert len(holding) == 1, f"{word!r} is in {len(holding)} themes"
    return min(holding, key=lambda t: t.words.index(word))


def _some_theme_has(result: Themes, words: set[str], at_least: int) -> bool:
    return any(len(words & set(t.words)) >= at_least for t in result.themes)
