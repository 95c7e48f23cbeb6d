"""Checks of flow experiments: an `experiment:` block on its own, then the variants across the folder's files.

A variant is a flow file of its own (`variant_of: <control flow>`), so whether it exists, points back and is
offered to the same sites is only known with every file read: `cross_file_problems` runs in `flows check` and
when the registry (re)loads the folder.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.flows.loader import Locator
from assistant.flows.problems import Problem
from assistant.flows.schema import Flow

TOLERANCE = 1e-6


def check_experiment(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """The block alone: the flow itself kept as the control arm, each variant once, shares summing to 100."""
    experiment = flow.experiment
    if flow.variant_of is not None and experiment is not None:
        yield Problem(*loc.key("experiment"), "a variant cannot run an experiment of its own",
                      f"move the experiment to flow '{flow.variant_of}', or remove `variant_of:`")
    if experiment is None:
        return
    listed = [v.flow for v in experiment.variants]
    if flow.id not in listed:
        yield Problem(*loc.key("experiment", "variants"), f"the experiment does not keep flow '{flow.id}' itself",
                      f"add `- {{flow: {flow.id}, share: ...}}`: the flow itself is the control arm every variant "
                      "is compared with")
    for i, variant in enumerate(experiment.variants):
        if variant.flow in listed[:i]:
            yield Problem(*loc.at("experiment", "variants", i, "flow"), f"flow '{variant.flow}' is listed twice",
                          "list each variant once, with its whole share")
    total = sum(v.share for v in experiment.variants)
    if abs(total - 100) > TOLERANCE:
        yield Problem(*loc.key("experiment", "variants"), f"the shares add up to {total:g}, not 100",
                      "give the variants shares in % of the visitors that sum to 100")


@dataclass(frozen=True)
class Located:
    """A flow of the folder with where its file's values are."""

    flow: Flow
    locator: Locator
    path: str


def cross_file_problems(flows: list[Located]) -> list[Problem]:
    """Every problem of the experiments between files: unknown or unmarked variants, variants offered elsewhere."""
    by_id = {f.flow.id: f for f in flows}
    problems = [p for f in flows if f.flow.experiment is not None for p in _variants(f, by_id)]
    problems += [p for f in flows if f.flow.variant_of is not None for p in _control(f, by_id)]
    return sorted(set(problems))


def _variants(control: Located, by_id: dict[str, Located]) -> Iterator[Problem]:
    assert control.flow.experiment is not None
    for i, arm in enumerate(control.flow.experiment.variants):
        if arm.flow == control.flow.id:
            continue
        where = control.locator.at("experiment", "variants", i, "flow")
        variant = by_id.get(arm.flow)
        if variant is None:
            close = difflib.get_close_matches(arm.flow, list(by_id), n=1)
            yield Problem(*where, f"no flow has the id '{arm.flow}'",
                          f"did you mean '{close[0]}'?" if close else "add the variant's flow file to the folder",
                          path=control.path)
        elif variant.flow.variant_of != control.flow.id:
            yield Problem(*where, f"flow '{arm.flow}' is not marked as a variant of '{control.flow.id}'",
                          f"add `variant_of: {control.flow.id}` to {_name(variant.path)}, so it is not also offered "
                          "on its own", path=control.path)
        elif not _within(variant.flow.sites, control.flow.sites):
            yield Problem(*where, f"variant '{arm.flow}' is offered to other sites than '{control.flow.id}'",
                          f"give {_name(variant.path)} the same `sites:` as the control "
                          f"({', '.join(control.flow.sites) or 'every site'})", path=control.path)


def _control(variant: Located, by_id: dict[str, Located]) -> Iterator[Problem]:
    where = variant.locator.at("variant_of")
    control = by_id.get(str(variant.flow.variant_of))
    if control is None:
        yield Problem(*where, f"no flow has the id '{variant.flow.variant_of}'",
                      "name the flow whose experiment serves this one", path=variant.path)
    elif control.flow.experiment is None or variant.flow.id not in [v.flow for v in control.flow.experiment.variants]:
        yield Problem(*where, f"flow '{control.flow.id}' runs no experiment with this variant: it is never served",
                      f"list `{{flow: {variant.flow.id}, share: ...}}` under `experiment: variants:` in "
                      f"{_name(control.path)}, or remove this file", level="warning", path=variant.path)


def _within(sites: list[str], control_sites: list[str]) -> bool:
    if not control_sites:
        return not sites
    return bool(sites) and set(sites) <= set(control_sites)


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def experiment_problems(paths: list[Path], folder: Path) -> dict[str, list[Problem]]:
    """The cross-file problems of the files at `paths`, by path, read beside the other flows of `folder` (a
    variant or control checked alone is still checked against its partner)."""
    from assistant.flows.drafts import flow_files
    from assistant.flows.registry import read_flow

    checked = {str(p) for p in paths}
    others = [p for p in flow_files(folder) if str(p) not in checked]
    located = []
    for path in [*paths, *others]:
        loaded, _ = read_flow(path)
        if loaded.checkable is not None:
            located.append(Located(loaded.checkable, loaded.locator, str(path)))
    found: dict[str, list[Problem]] = {}
    for problem in cross_file_problems(_first_of_each(located)):
        if problem.path in checked:
            found.setdefault(problem.path, []).append(problem)
    return found


def _first_of_each(located: list[Located]) -> list[Located]:
    """One file per flow id (the checked file first): a clash of ids is reported by the registry, not here."""
    seen: dict[str, Located] = {}
    for item in located:
        seen.setdefault(item.flow.id, item)
    return list(seen.values())
