"""Answer paths that leave no product in stock: a depth-first walk over sets of products as bitsets.

It is the walk `flows check` has always made, node for node: from the flow's pool each answer
narrows what is left by its constraint mask, an answer that leaves nothing ends a path there (and
is reported unless it matches nothing even alone, which the dead-answer check says once), and at
most `paths.MAX_PATHS` nodes are visited, depth first in answer order. What is left is a packed
bitset (one bit a product), so a step is one AND over size/64 words, however many products remain.

It does not walk what cannot end empty: when a product still left passes every answer of every
question not yet answered, no later filter can empty the set, so the subtree is skipped and only
its node count (from the flow's shape alone, remembered per set of answered questions and the
answers a later `when` reads) is taken from the cap, so the cap still ends the walk where it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.catalog.index import CatalogIndex
from assistant.flows import masks
from assistant.flows.answers import Answers, next_question
from assistant.flows.constraints import constraints_for
from assistant.flows.paths import MAX_PATHS, choices
from assistant.flows.schema import Flow, Question

Bits = np.ndarray
"""A set of products: one bit a product position, packed (`pack`) into uint64 words."""


@dataclass
class EmptyPaths:
    """The first `keep` answer paths found that leave nothing, and how many were found in all."""

    keep: int
    first: list[Answers] = field(default_factory=list)
    count: int = 0
    expanded: int = 0
    """Nodes whose answers were tried (the rest of the nodes the cap counts were skipped whole)."""
    skipped: int = 0
    """Nodes counted toward the cap inside subtrees that cannot end empty, without a visit."""

    def add(self, answers: Answers) -> None:
        """Count a path; keep it if it is among the first."""
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(answers)


def empty_paths(flow: Flow, index: CatalogIndex, pool: np.ndarray, keep: int) -> EmptyPaths:
    """The answer paths through `flow` after which no product of `pool` (a mask over `index`) is left."""
    return _Walk(flow, index, pool).run(EmptyPaths(keep))


class _Walk:
    """One walk, with what it remembers: each answer's bits, the open sets, subtree sizes."""

    def __init__(self, flow: Flow, index: CatalogIndex, pool: np.ndarray) -> None:
        self.flow = flow
        self.index = index
        self.pool = pack(pool)
        self.steps: dict[tuple[int, int], Bits] = {}
        self.alone: dict[tuple[int, int], bool] = {}
        self.open: dict[frozenset[str], Bits | None] = {}
        self.sizes = TreeSizes(flow)

    def run(self, found: EmptyPaths) -> EmptyPaths:
        """Walk from the first question, reporting into `found`."""
        if not self.pool.any():
            return found
        stack: list[tuple[Answers, Bits, int]] = [([], self.pool, 0)]
        budget = MAX_PATHS
        while stack and budget > 0:
            answers, remaining, skipped = stack.pop()
            if skipped:  # the nodes of a subtree that cannot end empty, visited as if one by one
                found.skipped += min(skipped, budget)
                budget -= min(skipped, budget)
                continue
            budget -= 1
            found.expanded += 1
            question = next_question(self.flow, answers)
            if question is None:
                continue
            values = choices(question)
            for i in reversed(range(len(values))):
                path = [*answers, (question.id, values[i])]
                narrowed = remaining & self._step(question, i, values[i])
                if narrowed.any():
                    stack.append((path, narrowed, self._settled(path, narrowed)))
                elif self._matches_alone(question, i):
                    found.add(path)
        return found

    def _step(self, question: Question, i: int, value: Any) -> Bits:
        """The products meeting the constraint of answering `value` (the i-th choice) to `question`."""
        key = (id(question), i)
        bits = self.steps.get(key)
        if bits is None:
            mask = np.ones(self.index.size, dtype=bool)
            for constraint in constraints_for(self.flow, [(question.id, value)]):
                mask &= masks.constraint_mask(self.index, constraint)
            bits = self.steps[key] = pack(mask)
        return bits

    def _matches_alone(self, question: Question, i: int) -> bool:
        key = (id(question), i)
        if key not in self.alone:
            self.alone[key] = bool((self.steps[key] & self.pool).any())
        return self.alone[key]

    def _settled(self, path: Answers, left: Bits) -> int:
        """The node count of the subtree under `path` if no later answer can empty `left`, else 0."""
        open_ = self._open(frozenset(qid for qid, _ in path))
        return self.sizes(path) if open_ is not None and (open_ & left).any() else 0

    def _open(self, answered: frozenset[str]) -> Bits | None:
        """Products passing every answer of every question not in `answered` (None: no product)."""
        if answered not in self.open:
            bits = np.full_like(self.pool, np.uint64(2**64 - 1))
            for question in self.flow.questions:
                if question.id not in answered:
                    for i, value in enumerate(choices(question)):
                        bits &= self._step(question, i, value)
            self.open[answered] = bits if bits.any() else None
        return self.open[answered]


class TreeSizes:
    """How many nodes a walk visits under some answers when no answer empties the set: the size of the
    flow's tree of answers there, remembered by what it depends on."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.known: dict[Any, int] = {}

    def __call__(self, answers: Answers) -> int:
        """The node count of the answer tree under `answers` (itself included)."""
        key = self._shape(answers)
        size = self.known.get(key)
        if size is None:
            question = next_question(self.flow, answers)
            size = 1 if question is None else 1 + sum(
                self([*answers, (question.id, value)]) for value in choices(question))
            self.known[key] = size
        return size

    def _shape(self, answers: Answers) -> tuple[frozenset[str], tuple[tuple[str, Any], ...]]:
        """What the tree under `answers` depends on: which questions are answered, and the answers
        that the `when` of a question still to come reads."""
        given = dict(answers)
        read = set().union(*(q.when for q in self.flow.questions if q.id not in given))
        return frozenset(given), tuple((qid, _frozen(given[qid])) for qid in sorted(read) if qid in given)


def pack(mask: np.ndarray) -> Bits:
    """A boolean mask as packed uint64 words (the last padded with zeros)."""
    padded = np.zeros(-(-mask.size // 64) * 64, dtype=bool)
    padded[:mask.size] = mask
    return np.packbits(padded).view(np.uint64)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
