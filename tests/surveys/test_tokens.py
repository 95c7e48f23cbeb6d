"""Comment words in any script: Chinese has no spaces, so words come from character bigrams."""

from __future__ import annotations

from assistant.surveys.tokens import is_cjk, tokens


def test_chinese_without_spaces_gives_bigram_words() -> None:
    words = tokens("早餐太差，房间很小。")
    assert "早餐" in words and "房间" in words
    assert "早餐太差，房间很小。" not in words


def test_function_characters_and_empty_words_split_a_run() -> None:
    words = tokens("房间很小，服务非常好，感觉性价比不错")
    assert "间很" not in words and "很小" not in words
    assert "非常" not in words and "常好" not in words and "感觉" not in words and "不错" not in words
    assert {"房间", "服务", "性价", "价比"} <= set(words)


def test_english_words_are_lower_cased_without_stop_words_contractions_or_numbers() -> None:
    words = tokens("I'm 5'8\" and it RUNS small; the fabric isn't thin.")
    assert words == ["runs", "small", "fabric", "thin"]


def test_mixed_scripts_and_full_width_letters() -> None:
    assert tokens("ＸＬ尺码偏小 but the colour is lovely") == ["xl", "尺码", "码偏", "偏小", "colour", "lovely"]


def test_japanese_particles_split_kana_runs() -> None:
    words = tokens("ホテルの朝食")
    assert "朝食" in words and "ルの" not in words and "の朝" not in words


def test_is_cjk() -> None:
    assert is_cjk("早餐") and not is_cjk("fit") and not is_cjk("早a")
