"""One zone: a pathway whose settings.timezone is not the council's zone is refused, by name.

The council's zone is the ``timezone`` setting (``govpath.zone``); a definition's own
``settings.timezone`` may only repeat it. The check reads nothing into the definition, so the
content hash of every existing definition is what it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govpath.definition.loader import content_hash, load_pathway, load_pathway_text
from govpath.errors import DefinitionError
from govpath.zone import use_zone
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
KCC = ROOT / "workflows" / "kcc"

SMALL = """\
id: demo
title: Demo
year: 2013/14
{settings}roles:
  - {{id: director, name: Director}}
bodies:
  - {{id: cabinet, name: Cabinet}}
initial: draft
stages:
  - {{id: draft, title: Draft}}
  - {{id: done, title: Done, terminal: true}}
transitions:
  - {{trigger: submit, from: draft, to: done, roles: [director]}}
"""


def small(zone: str | None) -> str:
    return SMALL.format(settings=f"settings:\n  timezone: {zone}\n" if zone else "")


@pytest.fixture
def paris() -> Iterator[None]:
    use_zone("Europe/Paris")
    yield
    use_zone(None)


def test_a_definition_in_the_councils_zone_loads() -> None:
    assert load_pathway_text(small("Europe/London")).settings.timezone == "Europe/London"
    assert load_pathway_text(small(None)).settings.timezone == "Europe/London"


def test_a_definition_in_another_zone_is_refused_naming_the_file_and_field(paris: None) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_pathway_text(small("Europe/London"), "pathways/demo.yaml")
    [problem] = caught.value.problems
    assert problem.path == "pathways/demo.yaml"
    assert problem.where == "settings.timezone"
    assert problem.line == 5  # the timezone line itself
    assert "'Europe/London'" in problem.message and "'Europe/Paris'" in problem.message
    assert "pathways/demo.yaml:5:" in str(problem)


def test_the_default_zone_counts_as_a_zone_too(paris: None) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_pathway_text(small(None), "demo.yaml")
    [problem] = caught.value.problems
    assert problem.where == "settings.timezone"
    assert "not given" in problem.message and "the default" in problem.message
    assert "timezone: Europe/Paris" in problem.message


def test_a_definition_that_repeats_the_councils_other_zone_loads(paris: None) -> None:
    assert load_pathway_text(small("Europe/Paris")).settings.timezone == "Europe/Paris"


def test_the_check_leaves_the_content_hash_of_existing_definitions_alone() -> None:
    assert content_hash(load_pathway(KCC / "2013-14.yaml")) == (
        "a5380ed1e0d38c2d51a6654c2d1c47569f2e5715a034c917e97187b3414e3f96"
    )
    assert content_hash(load_pathway(KCC / "2014-15.yaml")) == (
        "ee82d8342417f0b0908ef08d586bdfe7070997dc9f14b07e682e4ef5f3e1834c"
    )


def test_validate_refuses_it_under_the_councils_setting(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(small("Europe/London"), encoding="utf-8")
    cli = Cli(tmp_path, env={"GOVPATH_TIMEZONE": "Europe/Paris"}, subprocess=True)
    proc = cli("validate", "demo.yaml")
    assert proc.returncode == 1
    assert "demo.yaml:5:" in proc.stdout + proc.stderr
    assert "settings.timezone" in proc.stdout + proc.stderr
    ok = Cli(tmp_path, env={"GOVPATH_TIMEZONE": "Europe/London"}, subprocess=True)
    assert ok("validate", "demo.yaml").returncode == 0
