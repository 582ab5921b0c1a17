"""Library benchmarks: the zoo in-process, and a long chain against PyYAML's C loader.

Run from the repository root after ``pip install -e .``::

    python bench/bench_library.py            # 5 rounds each, medians
    python bench/bench_library.py --layers 100000

The zoo: load and evaluate every spec in specs/ in one process (the total of one round,
median of ``--rounds``). The chain: a generated conv/relu YAML file of ``--layers``
layers, loaded and evaluated with :func:`cnncalc.load` and :func:`cnncalc.evaluate`,
against ``yaml.load(text, Loader=yaml.CSafeLoader)`` of the same file in the same run
(the issue's budget: within 1.5x), and the same at half the size (linear growth).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import cnncalc

ROOT = Path(__file__).resolve().parent.parent


ZOO = [p for p in sorted((ROOT / "specs").glob("*")) if "pattern" not in p.name]
"""The zoo, less the lecture's abstract pattern (it needs variables from the caller)."""


def zoo_round() -> float:
    """Seconds to load and evaluate every zoo spec once."""
    start = time.perf_counter()
    for path in ZOO:
        cnncalc.evaluate(cnncalc.load(path))
    return time.perf_counter() - start


def chain(folder: Path, layers: int) -> Path:
    """A YAML chain of ``layers`` layers alternating conv (3x3, padding 1) and relu."""
    path = folder / f"chain{layers}.yaml"
    body = "  - conv: {filters: 8, kernel: 3, padding: 1}\n  - relu\n" * (layers // 2)
    path.write_text(f"input: 32x32x8\nlayers:\n{body}")
    return path


def timed(function: Callable[[], object], rounds: int) -> float:
    """Median seconds of ``rounds`` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def ours(path: Path) -> Callable[[], object]:
    return lambda: cnncalc.evaluate(cnncalc.load(path))


def theirs(text: str) -> Callable[[], object]:
    return lambda: yaml.load(text, Loader=yaml.CSafeLoader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layers", type=int, default=100_000)
    args = parser.parse_args()
    zoo = [zoo_round() for _ in range(args.rounds)]
    count = len(ZOO)
    print(f"python {sys.version.split()[0]}, medians of {args.rounds} rounds")
    print(f"zoo: {count} specs loaded and evaluated in {statistics.median(zoo) * 1000:.0f} ms")
    print("| layers | cnncalc load + evaluate (s) | yaml CSafeLoader (s) | ratio |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for layers in (args.layers // 2, args.layers):
            path = chain(Path(tmp), layers)
            mine = timed(ours(path), args.rounds)
            pyyaml = timed(theirs(path.read_text()), args.rounds)
            print(f"| {layers:,} | {mine:.2f} | {pyyaml:.2f} | {mine / pyyaml:.2f}x |")


if __name__ == "__main__":
    main()
