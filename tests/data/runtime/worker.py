"""A worker process for the runtime's concurrency and crash tests (run as a script, not collected).

usage: worker.py URL race PLAN N   -> fire record_progress N times on PLAN; prints JSON counts
       worker.py URL run           -> advance every open plan of runtime_demo until all are live
"""

from __future__ import annotations

import contextlib
import json
import sys

from govpath.errors import Conflict, Refused
from govpath.runtime.api import advance, list_plans
from govpath.store.db import open_db

NEXT = {  # stage -> (trigger, actor ("owner" = the plan's owner), values)
    "drafting": ("submit_draft", "owner", {"draft_plan": "draft.pdf"}),
    "qa_review": ("send_qa_letter", "pol@kent.gov.uk", {"qa_letter_ref": "QA/1"}),
    "final_submission": (
        "submit_final",
        "owner",
        {"final_plan": "f.pdf", "decision_value": "5000"},
    ),
    "cabinet_decision": ("approve", "cm@kent.gov.uk", {}),
    "agreed": ("publish_all", "pol@kent.gov.uk", {}),
}


def race(engine, plan: int, n: int) -> None:
    counts = {"ok": 0, "conflict": 0, "other": []}
    for i in range(n):
        try:
            advance(engine, plan, "record_progress", "pol@kent.gov.uk", {"progress": str(i)})
            counts["ok"] += 1
        except Conflict:
            counts["conflict"] += 1
        except Exception as exc:
            counts["other"].append(f"{type(exc).__name__}: {exc}")
    print(json.dumps(counts), flush=True)


def run(engine) -> None:
    print("started", flush=True)
    while True:
        open_plans = [p for p in list_plans(engine, "runtime_demo") if not p["closed"]]
        if not open_plans:
            break
        for p in open_plans:
            trigger, actor, values = NEXT[p["state"]]
            # a join waiting for others, or a plan a join moved meanwhile: next round
            with contextlib.suppress(Refused, Conflict):
                advance(engine, p["id"], trigger, p["owner"] if actor == "owner" else actor, values)
                print("step", flush=True)  # the parent kills us at a random step
    print("done", flush=True)


if __name__ == "__main__":
    db = open_db(sys.argv[1])
    if sys.argv[2] == "race":
        race(db, int(sys.argv[3]), int(sys.argv[4]))
    else:
        run(db)
