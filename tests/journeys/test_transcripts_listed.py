"""docs/screens/ holds a transcript for each journey in each language and nothing else (besides
its README): a journey removed or renamed leaves no stale transcript behind, and one never
recorded fails here even when its test is deselected."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.journeys.screens import LANGUAGES, SCREENS

JOURNEYS_MODULE = Path(__file__).with_name("test_journeys.py")


def journeys() -> list[str]:
    tree = ast.parse(JOURNEYS_MODULE.read_text("utf-8"))
    return [
        node.name.removeprefix("test_").replace("_", "-")
        for node in tree.body
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("test_")
    ]


def test_each_journey_has_its_three_transcripts_and_nothing_else() -> None:
    expected = {f"{journey}.{lang}.md" for journey in journeys() for lang in LANGUAGES}
    assert len(expected) == 18
    present = {path.name for path in SCREENS.iterdir()} - {"README.md"}
    assert present == expected, (sorted(expected - present), sorted(present - expected))


def test_the_readme_names_every_journey() -> None:
    readme = (SCREENS / "README.md").read_text("utf-8")
    for journey in journeys():
        assert f"`{journey}`" in readme, journey
