"""Sweep throughput: ResNet-50-sized evaluations per second, in-process.

Run from the repository root after ``pip install -e .``::

    python bench/bench_sweep.py              # 5 rounds, medians
    python bench/bench_sweep.py --sizes 100

ResNet-50 (specs/resnet50.yaml, 187 layers) is swept over ``--sizes`` input sizes
(224x224x3, 228x228x3, ...): the spec is read once and each size put into it. Against
it, the same combinations loaded and evaluated one by one (``cnncalc.load`` then
``cnncalc.evaluate``), as a script without sweeps would. Then the lecture's pattern,
whose variables change its structure (expanded once per combination of values). Wall
time and the process's CPU time are both given: on a shared machine CPU time is what
the work costs, wall time what a user waits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cnncalc

ROOT = Path(__file__).resolve().parent.parent
RESNET = ROOT / "specs" / "resnet50.yaml"
PATTERN = ROOT / "specs" / "lecture-pattern.yaml"


def timed(job: Callable[[], int], rounds: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``rounds`` runs, and the evaluations one makes."""
    walls, cpus, count = [], [], 0
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        count = job()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, default=50)
    args = parser.parse_args()
    sizes = [f"{224 + 4 * i}x{224 + 4 * i}x3" for i in range(args.sizes)]

    def swept() -> int:
        return len(cnncalc.sweep(RESNET, inputs=sizes).rows)

    def one_by_one() -> int:
        for size in sizes:
            cnncalc.evaluate(cnncalc.load(RESNET, input=size))
        return len(sizes)

    def pattern() -> int:
        values = {"N": "1..4", "M": "1..3", "K": "1..2"}
        return len(cnncalc.sweep(PATTERN, values=values, inputs="32x32x3,64x64x3").rows)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {load:.1f}")
    print("| job | evaluations | wall (s) | per second (wall) | CPU (s) | per second (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    for title, job in (
        (f"`cnncalc.sweep` ResNet-50 x {len(sizes)} input sizes", swept),
        (f"`load` + `evaluate` ResNet-50 x {len(sizes)}, one by one", one_by_one),
        ("`cnncalc.sweep` lecture pattern N=1..4 M=1..3 K=1..2 x 2 inputs", pattern),
    ):
        wall, cpu, count = timed(job, args.rounds)
        print(
            f"| {title} | {count} | {wall:.3f} | {count / wall:,.0f} | {cpu:.3f} | "
            f"{count / cpu:,.0f} |"
        )


if __name__ == "__main__":
    main()
