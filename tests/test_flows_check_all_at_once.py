"""`flows check` reports every planted mistake of a file in one run, each at its line and column, naming the
question by its id; a YAML syntax error is reported alone (nothing more can be known), the rest once it is fixed."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import ROOT, migrated, migrated_template, run  # noqa: F401  (fixtures)

TEN_MISTAKES = ROOT / "tests" / "data" / "flows" / "ten-mistakes.yaml"
EXPECTED = [
    "8:17: error: question 'terrain', importance: input should be a valid integer",
    "10:57: error: no product has terrain = 'trial'",
    "16:9: warning: answers terrain=trail -> width=wide leave no product in stock",
    "18:9: error: duplicate question id 'terrain'",
    "21:12: error: `when` refers to unknown question 'surface'",
    "23:44: error: unknown attribute 'heel_drop': no product in the catalog has it",
    "25:5: error: question 'budget', text: field required",
    "28:5: error: range question 'budget' needs `min:` below `max:`",
    "35:10: error: question 'cushion', max: input should be a valid number",
    "40:57: error: 'boost' is written twice, here and at line 40, column 32",
]


def _shop(tmp_path: Path) -> None:
    assert run("site", "create", "--name", "Shop", "--origin", "https://shop.example", "--key", "pk_shoes",
               tmp_path=tmp_path).returncode == 0
    feed = tmp_path / "shoes.csv"
    feed.write_text("sku,title,price,terrain,width\nr1,Road one,80,road,regular\nr2,Road two,90,road,wide\n"
                    "t1,Trail one,120,trail,regular\nt2,Trail two,60,trail,regular\n")
    assert run("catalog", "import", str(feed), "--site", "pk_shoes", tmp_path=tmp_path).returncode == 0


def _reported(result_stdout: str, path: Path) -> list[str]:
    return [line.removeprefix(f"{path}:") for line in result_stdout.splitlines() if not line.startswith("    ")]


def test_every_mistake_in_one_run_then_a_syntax_error_alone(tmp_path: Path, migrated: None) -> None:  # noqa: F811
    _shop(tmp_path)
    flow = tmp_path / "shoes.yaml"
    flow.write_text(TEN_MISTAKES.read_text())
    result = run("flows", "check", str(flow), tmp_path=tmp_path)
    assert result.returncode == 1
    reported = _reported(result.stdout, flow)
    for expected in EXPECTED:
        assert any(line.startswith(expected) for line in reported), (expected, reported)
    assert not any("questions[" in line for line in reported), reported  # questions named by id, not index
    assert len(reported) == len(EXPECTED), reported  # and each mistake once: `max: ten` is not also "min below max"

    flow.write_text(TEN_MISTAKES.read_text().replace("    text: Fit?", "    text: Fit?\n   type: oops"))
    broken = run("flows", "check", str(flow), tmp_path=tmp_path)
    assert broken.returncode == 1
    assert [line.split(": error: ")[1][:17] for line in _reported(broken.stdout, flow)] == ["YAML syntax error"]
