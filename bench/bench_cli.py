"""Benchmark: start-up time of short CLI commands (wall-clock and CPU medians over N runs).

The targets are ``govpath deadline agenda-publication 2013-01-08`` at or under 0.20 s and
``govpath --help`` at or under 0.10 s (median, bytecode cached). CPU time is printed beside the
wall clock because it is what a busy machine does not inflate.

    python bench/bench_cli.py [--runs 20] [--govpath PATH] [--against DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (
    ("deadline agenda-publication 2013-01-08", 0.20),
    ("--help", 0.10),
    ("--version", 0.10),
)


# Bytecode cached: the first run writes it, even where the environment says not to (an
# installed package has its bytecode written by pip; an editable checkout only by running it).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of RUNS runs of CMD (after one to warm the cache)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=ENV)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    default = Path(sys.executable).with_name("govpath")
    parser.add_argument("--govpath", default=str(default) if default.exists() else "govpath")
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="DIR",
        help="a checkout of another release with its own virtualenv in DIR/.venv: its govpath "
        "runs the same commands in the same run, each right after this one's",
    )
    args = parser.parse_args()
    govpath = shutil.which(args.govpath) or args.govpath
    other = str(args.against / ".venv" / "bin" / "govpath") if args.against else None
    for words, target in COMMANDS:
        wall, cpu = measure([govpath, *words.split()], args.runs)
        verdict = "ok" if wall <= target else "over"
        print(
            f"govpath {words:<42} wall {wall:.3f} s  cpu {cpu:.3f} s  (target {target:.2f}: {verdict})"
        )
        if other:
            try:
                wall, cpu = measure([other, *words.split()], args.runs)
            except subprocess.CalledProcessError as exc:  # a command that release lacks
                print(f"  release in {args.against.name:<33} exit status {exc.returncode}")
                continue
            print(f"  release in {args.against.name:<33} wall {wall:.3f} s  cpu {cpu:.3f} s")


if __name__ == "__main__":
    main()
