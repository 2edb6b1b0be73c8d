"""The six Past/Future Pathway lines the seed papers print, from `report pathway --meeting`.

The expected text is read from the seed papers themselves (docs/seeds/), so a pathway that drifts
from what the paper says fails here, label and value character for character.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "docs" / "seeds"
LINE = re.compile(r"^\**((?:Past|Future) Pathway(?: of Paper)?):\**\s*(.*?)\s*$")

# seed file, pathway, calendar, meeting the paper goes to
PAPERS = {
    "000": ("2014-15", "2013-14", "pr_cc@2014-04-23"),
    "001": ("2016-17", "2015-16", "pr_cc@2016-03-14"),
    "003": ("2019-20", "2018-19", "pr_cc@2018-07-06"),
}


def seed_lines(seed: str) -> dict[str, tuple[str, str]]:
    """{'Past'|'Future': (label, value)} as the seed paper prints them."""
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    found: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = LINE.match(line.strip())
        if m:
            found[m[1].split()[0]] = (m[1], m[2])
    assert set(found) == {"Past", "Future"}, (seed, found)
    return found


def printed(cli, seed: str) -> dict[str, tuple[str, str]]:
    year, calendar, meeting = PAPERS[seed]
    proc = cli(
        "report",
        "pathway",
        "--pathway",
        str(ROOT / "workflows" / "kcc" / f"{year}.yaml"),
        "--calendar",
        str(ROOT / "calendars" / "data" / "kcc" / f"{calendar}.yaml"),
        "--meeting",
        meeting,
        check=0,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, proc.stdout
    out = {}
    for line in lines:
        label, _, value = line.partition(": ")
        out[label.split()[0]] = (label, value)
    return out


def test_the_seeds_carry_six_lines() -> None:
    carried = [
        (s, which) for s in sorted(PAPERS) for which in seed_lines(s)
    ]  # any other seed with the lines would need a row in PAPERS
    others = [
        p.name
        for p in SEEDS.glob("*.txt")
        if p.name[:3] not in PAPERS
        and "Pathway" in p.read_text(encoding="utf-8").split("Summary")[0]
    ]
    assert len(carried) == 6 and others == []


@pytest.mark.parametrize(
    ("seed", "which"),
    [(s, w) for s in PAPERS for w in ("Past", "Future")],
    ids=lambda v: str(v),
)
def test_seed_line_character_for_character(cli, seed: str, which: str) -> None:
    assert printed(cli, seed)[which] == seed_lines(seed)[which]


def test_json_names_the_steps(cli) -> None:
    import json

    proc = cli(
        "report",
        "pathway",
        "--pathway",
        str(ROOT / "workflows" / "kcc" / "2019-20.yaml"),
        "--calendar",
        str(ROOT / "calendars" / "data" / "kcc" / "2018-19.yaml"),
        "--meeting",
        "pr_cc@2018-07-06",
        "--json",
        check=0,
    )
    doc = json.loads(proc.stdout)
    assert [(s["body"], s["date"]) for s in doc["past"]] == [
        ("cmt", "2018-05-22"),
        ("cmm", "2018-06-18"),
    ]
    assert doc["future"] == [] and doc["future_line"] == "Future Pathway: N/A"


def test_the_plan_paper_after_the_approach_paper(cli) -> None:
    """2019/20: the Strategic Delivery Plan's own paper does not carry the approach meetings."""
    proc = cli(
        "report",
        "pathway",
        "--pathway",
        str(ROOT / "workflows" / "kcc" / "2019-20.yaml"),
        "--calendar",
        str(ROOT / "calendars" / "data" / "kcc" / "2018-19.yaml"),
        "--meeting",
        "corporate_board@2019-01-15",
        check=0,
    )
    past, future = proc.stdout.splitlines()
    assert "CMT" not in past and "CMM" not in past and "P&R CC" not in past
    assert past.startswith("Past Pathway: CAB (")
    assert future.startswith("Future Pathway: County Council (14.02.19)")


@pytest.mark.parametrize(
    ("meeting", "message"),
    [
        (
            "pr_cc@2016-01-12",
            "no stage of pathway kcc_2016_17 goes to the P&R CC meeting on 2016-01-12",
        ),
        ("pr_c@2016-03-14", "has no body 'pr_c' (did you mean 'pr_cc'?)"),
        ("pr_cc 2016-03-14", "is not BODY@DATE"),
        ("pr_cc@14/03/2016", "is not a date"),
    ],
)
def test_bad_meetings_are_one_sentence(cli, meeting: str, message: str) -> None:
    proc = cli(
        "report",
        "pathway",
        "--pathway",
        str(ROOT / "workflows" / "kcc" / "2016-17.yaml"),
        "--calendar",
        str(ROOT / "calendars" / "data" / "kcc" / "2015-16.yaml"),
        "--meeting",
        meeting,
        check=1,
    )
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_id_or_meeting_not_both(cli) -> None:
    assert "give a plan ID" in cli("report", "pathway", check=2).stderr
    both = cli("report", "pathway", "3", "--pathway", "x.yaml", check=2)
    assert "go with --meeting" in both.stderr


def test_2013_14_one_label_per_meeting_and_no_contingent_branch(cli) -> None:
    """Seed 002's draft goes "ahead of the Key Decision by Cabinet ... in March 2013": five stages
    lead to that Cabinet, one takes the Key Decision, and it prints once, as the Key Decision.
    The Cabinet paper's future is empty: reconsideration after a call-in is not planned."""

    def run(meeting: str) -> list[str]:
        return cli(
            "report",
            "pathway",
            "--pathway",
            str(ROOT / "workflows" / "kcc" / "2013-14.yaml"),
            "--calendar",
            str(ROOT / "calendars" / "data" / "kcc" / "2012-13.yaml"),
            "--meeting",
            meeting,
            check=0,
        ).stdout.splitlines()

    assert run("pr_cc@2013-01-08") == [
        "Past Pathway of Paper: P&R CC (16.11.12)",
        "Future Pathway of Paper: Cabinet Key Decision (18.03.13)",
    ]
    assert run("cabinet@2013-03-18") == [
        "Past Pathway of Paper: P&R CC (16.11.12), P&R CC (08.01.13)",
        "Future Pathway of Paper: N/A",
    ]
