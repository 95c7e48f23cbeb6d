"""Words of a comment in any script: Latin-script words, and character bigrams for runs of CJK characters.

Chinese and Japanese write no spaces between words, so splitting on whitespace finds one "word" per
sentence. Overlapping character bigrams are the standard answer of search engines (Lucene's CJK
analyzer): most Chinese words are two characters (早餐 breakfast, 服务 service, 位置 location), and a
bigram that straddles two words is rare enough to fall out of TF-IDF's document-frequency cut.
Function characters (的, 了, 很, 不 ...) and a short list of empty words (非常, 感觉 ...) split a run
before bigrams are taken, so 房间很小 gives 房间, not 间很 and 很小; one character left alone between
them gives no word (single characters are too ambiguous to name a theme).
A segmenter (jieba) finds slightly cleaner words but adds a dependency, a 1 s dictionary load and a
Chinese-only path; bigrams also work for Japanese kana and kanji unchanged.
"""

from __future__ import annotations

import re
import unicodedata

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

CJK_RUN = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")
"""Hiragana, katakana and the CJK ideographs (Korean is written with spaces and reads as words)."""
WORD = re.compile(r"[^\W\d_]{2,}")
CONTRACTION_STEMS = frozenset({"don", "didn", "doesn", "isn", "wasn", "aren", "weren", "couldn", "wouldn",
                               "shouldn", "haven", "hasn", "ve", "ll", "re", "im", "ive", "won"})
FILLER_WORDS = frozenset({"just", "really", "like", "bit", "got", "get", "think", "way", "did", "does", "thing",
                          "things", "lot", "definitely", "actually", "absolutely", "super", "overall"})
"""Words common in reviews that carry no subject (sklearn's English list is for prose, not reviews)."""
SUBJECT_WORDS = frozenset({"thin", "thick", "top", "bottom", "front", "back", "full", "empty", "side", "detail",
                           "bill", "call", "system"})
"""Words on sklearn's English list that do name a subject in shop comments (thin fabric, a top, the bill)."""
STOP_WORDS = (ENGLISH_STOP_WORDS - SUBJECT_WORDS) | CONTRACTION_STEMS | FILLER_WORDS
CHINESE_STOP_CHARACTERS = frozenset(
    "的了是在我你他她它们这那也都就还很和与及而但又或着过吧吗呢啊哦呀么之其被把给从对向于以为所个些"
    "一不没有会能要可得地太挺非更最真说让到才再并且"
    "のはがをにでともへや"
)
"""Function characters (Chinese pronouns, particles, negation and degree words; the commonest Japanese
particles): no theme is named by them."""
CHINESE_STOP_WORDS = frozenset({
    "感觉", "觉得", "比较", "时候", "已经", "知道", "什么", "怎么", "应该", "然后", "下次", "总体", "整体",
    "一下", "地方", "出来", "今天", "自己", "当时", "现在", "特别", "还是", "只是", "东西", "选择",
    "如果", "因此", "虽然", "而且", "但是", "因为", "所以", "就是", "非常", "一般", "可以", "没有", "不错",
})
"""Words that name no theme (feeling, rather, when, already, very ...); like the function characters they
split a run, so 非常好 leaves no 常好 behind."""


CHINESE_STOP_RUN = re.compile("(?:" + "|".join(sorted(CHINESE_STOP_WORDS))
                              + f"|[{''.join(sorted(CHINESE_STOP_CHARACTERS))}])+")


def tokens(text: str) -> list[str]:
    """The words of one comment: lower-cased Latin-script words and CJK bigrams, stop words left out."""
    words: list[str] = []
    for i, piece in enumerate(CJK_RUN.split(unicodedata.normalize("NFKC", text).lower())):
        words.extend(_cjk_words(piece) if i % 2 else (w for w in WORD.findall(piece) if w not in STOP_WORDS))
    return words


def is_cjk(word: str) -> bool:
    """Whether a word is all CJK characters (a bigram from `tokens`)."""
    return CJK_RUN.fullmatch(word) is not None


def _cjk_words(run: str) -> list[str]:
    words: list[str] = []
    for piece in CHINESE_STOP_RUN.split(run):
        words.extend(piece[i:i + 2] for i in range(len(piece) - 1))
    return words
