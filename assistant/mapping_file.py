"""A catalog mapping file (YAML) read with the line of every key, its problems reported there like a flow's.

The YAML is composed with the flows loader's line marks (`located_data`), so a mapping problem reads
`mapping.yaml:7:12: error: ...` as `flows check` would write it. Catalog knows nothing of flows; this
module, above both, joins them for `assistant catalog import`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant import safe_yaml
from assistant.catalog.mapping import ColumnMapping, MappingError, MappingProblem
from assistant.flows.loader import Locator, located_data, yaml_problem
from assistant.flows.problems import Problem
from assistant.safe_yaml import YamlProblem


@dataclass
class MappingFile:
    """A mapping file's ColumnMapping (None when it has errors), where its keys are, and its problems."""

    path: str
    mapping: ColumnMapping | None
    locator: Locator = field(default_factory=Locator)
    problems: list[Problem] = field(default_factory=list)

    def header_problems(self, header: Sequence[str]) -> list[Problem]:
        """What the mapping names that a file with this header lacks, at the mapping file's lines."""
        return self.locate(self.mapping.header_problems(header)) if self.mapping is not None else []

    def locate(self, found: list[MappingProblem]) -> list[Problem]:
        """Mapping problems at the line and column of the key or value they are about."""
        located = []
        for problem in found:
            where = self.locator.key(*problem.path) if problem.at_key else self.locator.at(*problem.path)
            message = f"{_dotted(problem.path)}: {problem.message}" if problem.path else problem.message
            located.append(Problem(*where, message, problem.hint, path=self.path))
        return sorted(located)


def read_mapping(path: Path, *, currency: str) -> MappingFile:
    """The mapping file at `path`; `currency` (the site's) unless the file names one."""
    return load_mapping_text(path.read_text(encoding="utf-8"), path=str(path), currency=currency)


def load_mapping_text(text: str, *, path: str = "<mapping>", currency: str = "EUR") -> MappingFile:
    """Parse and check mapping YAML; never raises on bad input."""
    try:
        node = safe_yaml.compose(text)
        if node is None:
            return MappingFile(path, ColumnMapping(currency=currency))
        data, locator = located_data(node)
    except YamlProblem as exc:
        return MappingFile(path, None, problems=[yaml_problem(exc, path)])
    result = MappingFile(path, None, locator)
    duplicates = [yaml_problem(found, path) for found in safe_yaml.duplicate_keys(node)]
    if isinstance(data, dict):
        data.setdefault("currency", currency)
    try:
        result.mapping = ColumnMapping.from_dict(data)
    except MappingError as exc:
        result.problems = result.locate(exc.problems)
    if duplicates:
        result.mapping, result.problems = None, sorted(result.problems + duplicates)
    return result


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        index = isinstance(part, int) and not isinstance(part, bool)
        text += f"[{part}]" if index else (f".{part}" if text else str(part))
    return text
