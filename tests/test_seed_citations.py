"""Seed fidelity: what workflows/ cites from a seed paper is in that paper, and cited files exist.

Each "seed NNN" mention is checked against docs/seeds/NNN_*.txt: every paragraph it names ("§3.6",
"§4.2-§4.3") is a paragraph of that paper, and every phrase it quotes ("November cycle",
'Elected Member Engagement') is in its text. Every file a comment names is in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {p.name[:3]: p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "seeds").glob("*.txt")}
PATHWAYS = sorted((ROOT / "workflows" / "kcc").glob("*.yaml"))
QUOTED = re.compile(r"""(?:"([^"()]+)"|'([^'()]+)')""")
FILE = re.compile(r"[\w./-]+\.(?:yaml|yml|md|txt|py|json|csv)\b")


def _norm(text: str) -> str:
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("–", "-")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", re.sub(r"[*#_]", "", text)).lower()


def _has_paragraph(text: str, num: str) -> bool:
    if "." in num:
        return re.search(rf"(?<![\d.]){re.escape(num)}(?!\d)", text) is not None
    return re.search(rf"(?m)^\W*{num}\.\s", text) is not None


def citation_problems(path: Path) -> tuple[int, list[str]]:
    """(number of checks made, problems found) for one pathway file."""
    checks, problems = 0, []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for token in FILE.findall(line.split("#", 1)[-1] if "#" in line else ""):
            checks += 1
            if not (ROOT / token).exists():
                problems.append(
                    f"{path.name}:{n}: cites {token}, which the repository does not have"
                )
        mentions = list(re.finditer(r"seed (\d{3})", line))
        for i, m in enumerate(mentions):
            span = line[m.end() : mentions[i + 1].start() if i + 1 < len(mentions) else len(line)]
            seed = m[1]
            if seed not in SEEDS:
                problems.append(f"{path.name}:{n}: cites seed {seed}, which docs/seeds/ lacks")
                continue
            for num in re.findall(r"§(\d+(?:\.\d+)?)", span):
                checks += 1
                if not _has_paragraph(SEEDS[seed], num):
                    problems.append(f"{path.name}:{n}: seed {seed} has no §{num}")
            for pair in QUOTED.findall(span):
                for piece in (pair[0] or pair[1]).split("..."):
                    piece = _norm(piece.strip(" ."))
                    checks += 1
                    if piece and piece not in _norm(SEEDS[seed]):
                        problems.append(f"{path.name}:{n}: seed {seed} does not say {piece!r}")
    return checks, problems


def test_five_seed_papers_are_kept() -> None:
    assert sorted(SEEDS) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("path", PATHWAYS, ids=lambda p: p.name)
def test_citations_point_at_what_the_seed_says(path: Path) -> None:
    checks, problems = citation_problems(path)
    assert checks > 30 and problems == []


def test_the_checker_catches_a_wrong_citation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "a: 1 # seed 002 §3.9 ('approved by Corporate Board'); see DOMAIN.md\n"
        'b: 2 # seed 002 §3.6 ("formal quality assurance"), seed 007\n'
    )
    _, problems = citation_problems(bad)
    assert problems == [
        "bad.yaml:1: cites DOMAIN.md, which the repository does not have",
        "bad.yaml:1: seed 002 has no §3.9",
        "bad.yaml:1: seed 002 does not say 'approved by corporate board'",
        "bad.yaml:2: cites seed 007, which docs/seeds/ lacks",
    ]


def test_gaps_the_issue_names_are_marked() -> None:
    """What a seed does not say is marked gap: with its reason."""
    text = {p.name: p.read_text(encoding="utf-8") for p in PATHWAYS}
    call_in = [ln for ln in text["2013-14.yaml"].splitlines() if "- id: call_in #" in ln]
    assert call_in and "gap:" in call_in[0] and "old practice" in call_in[0]
    order = [
        ln for ln in text["2014-15.yaml"].splitlines() if "- id: cabinet_member_approval" in ln
    ]
    assert order and "gap: the order" in order[0]
    engage = [ln for ln in text["2019-20.yaml"].splitlines() if "- id: member_engagement" in ln]
    assert engage and "gap:" in engage[0] and "no order" in engage[0]
