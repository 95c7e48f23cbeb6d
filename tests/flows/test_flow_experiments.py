"""Flow experiments in the files: sticky assignment by the shares, and the checks of the block and its variants."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from assistant.flows.experiment_checks import experiment_problems
from assistant.flows.experiments import assign, bucket
from assistant.flows.registry import read_flow
from assistant.flows.schema import Experiment, ExperimentVariant
from tests.flows.test_engine import SHOES
from tests.test_cli import run

EXPERIMENT = "experiment:\n  id: shorter\n  variants:\n    - {flow: shoes, share: 70}\n    - {flow: quick, share: 30}\n"
CONTROL = SHOES + EXPERIMENT
QUICK = SHOES.replace("id: shoes", "id: quick\nvariant_of: shoes")


def _experiment(*shares: tuple[str, float]) -> Experiment:
    return Experiment(id="shorter", variants=[ExperimentVariant(flow=f, share=s) for f, s in shares])


def test_assignment_is_sticky_and_independent_of_other_sites_and_experiments() -> None:
    experiment = _experiment(("shoes", 50), ("quick", 50))
    assert all(assign(experiment, "pk_a", f"v{i}") == assign(experiment, "pk_a", f"v{i}") for i in range(200))
    assert bucket("pk_a", "shorter", "v1") != bucket("pk_b", "shorter", "v1")
    assert bucket("pk_a", "shorter", "v1") != bucket("pk_a", "other", "v1")


@pytest.mark.parametrize("shares", [(("shoes", 50), ("quick", 50)), (("shoes", 70), ("quick", 30)),
                                    (("shoes", 20), ("quick", 30), ("short", 50))])
def test_twenty_thousand_visitors_follow_the_shares_within_binomial_noise(
        shares: tuple[tuple[str, float], ...]) -> None:
    experiment = _experiment(*shares)
    n = 20_000
    counts = Counter(assign(experiment, "pk_test", f"visitor-{i}") for i in range(n))
    for flow, share in shares:
        p = share / 100
        assert abs(counts[flow] - n * p) < 4 * math.sqrt(n * p * (1 - p)), (flow, counts)


def problems(tmp_path: Path, files: dict[str, str], checked: str) -> list[tuple[int, str, str]]:
    """Every problem `flows check` reports for the file `checked`, of a folder holding `files`."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    path = tmp_path / checked
    found = read_flow(path)[1] + experiment_problems([path], tmp_path).get(str(path), [])
    return sorted((p.line, p.level, p.message) for p in found)


def test_an_experiment_with_its_marked_variant_has_no_problems(tmp_path: Path) -> None:
    files = {"shoes.yaml": CONTROL, "quick.yaml": QUICK}
    assert problems(tmp_path, files, "shoes.yaml") == []
    assert problems(tmp_path, files, "quick.yaml") == []


LINE = CONTROL.count("\n") - 4  # the line of `experiment:`


@pytest.mark.parametrize(("control", "variant", "checked", "expected"), [
    (CONTROL.replace("share: 30", "share: 20"), QUICK, "shoes.yaml",
     (LINE + 2, "error", "the shares add up to 90, not 100")),
    (CONTROL.replace("{flow: shoes, share: 70}", "{flow: quick2, share: 70}"), QUICK, "shoes.yaml",
     (LINE + 2, "error", "the experiment does not keep flow 'shoes' itself")),
    (CONTROL.replace("quick, share", "quik, share"), QUICK, "shoes.yaml",
     (LINE + 4, "error", "no flow has the id 'quik'")),
    (CONTROL, SHOES.replace("id: shoes", "id: quick"), "shoes.yaml",
     (LINE + 4, "error", "flow 'quick' is not marked as a variant of 'shoes'")),
    (CONTROL, QUICK.replace("id: quick", "id: quick\nsites: [pk_other]"), "shoes.yaml",
     (LINE + 4, "error", "variant 'quick' is offered to other sites than 'shoes'")),
    (SHOES, QUICK, "quick.yaml",
     (2, "warning", "flow 'shoes' runs no experiment with this variant: it is never served")),
    (CONTROL.replace("share: 70", "share: 0"), QUICK, "shoes.yaml",
     (LINE + 3, "error", "experiment.variants[0].share: input should be greater than 0")),
])
def test_a_wrong_experiment_is_reported_at_its_line(tmp_path: Path, control: str, variant: str, checked: str,
                                                    expected: tuple[int, str, str]) -> None:
    found = problems(tmp_path, {"shoes.yaml": control, "quick.yaml": variant}, checked)
    assert expected in found, found


def test_flows_check_prints_the_variant_problem_with_file_line_and_hint(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "shoes.yaml").write_text(CONTROL)
    (folder / "quick.yaml").write_text(SHOES.replace("id: shoes", "id: quick"))
    result = run("flows", "check", "--no-catalog", tmp_path=tmp_path, env={"ASSISTANT_FLOWS": str(folder)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"shoes.yaml:{LINE + 4}:14: error: flow 'quick' is not marked as a variant of 'shoes'" in result.stdout
    assert "hint: add `variant_of: shoes` to quick.yaml" in result.stdout
