"""What each speed trick pays: the same work with the trick and with it switched off.

Run from the repository root after ``pip install -e .``::

    python bench/bench_tricks.py              # 10,000-layer chains and the zoo, 5 rounds

Each trick is switched off by replacing the one named function it sits behind (or the
cache it keeps) for the duration of a measurement; medians of ``--rounds``. The
inputs are the realistic ones of the rule in BENCHMARKS.md: the zoo and generated
10,000-layer chains (conv 3x3 padding 1 and relu), in both formats. A trick stays only
where it pays at least 10% of the whole load-evaluate-write time on one of them.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cnncalc
from cnncalc import api, kinds, speed

ROOT = Path(__file__).resolve().parent.parent


def chains(layers: int) -> dict[str, str]:
    pairs = layers // 2
    grammar = "INPUT(32x32x8)\n" + "\n".join("-> CONV(8, 3, p=1) -> RELU" for _ in range(pairs))
    body = "  - conv: {filters: 8, kernel: 3, padding: 1}\n  - relu\n" * pairs
    return {"grammar": grammar, "yaml": f"input: 32x32x8\nlayers:\n{body}"}


def whole_job(text: str, fmt: str) -> None:
    """Load, evaluate and write JSON, as ``summarize -f json`` does."""
    result = cnncalc.evaluate(cnncalc.parse(text, fmt))  # type: ignore[arg-type]
    for _ in api.render_chunks(result, "json"):
        pass


ZOO = [p for p in sorted((ROOT / "specs").glob("*")) if "pattern" not in p.name]
"""The zoo, less the lecture's abstract pattern (it needs variables from the caller)."""


def zoo_job() -> None:
    for path in ZOO:
        result = cnncalc.evaluate(cnncalc.load(path))
        for _ in api.render_chunks(result, "json"):
            pass


@contextlib.contextmanager
def no_layer_cache() -> Iterator[None]:
    """The layer factory resolves every layer, as if nothing were remembered."""
    original = kinds.LayerFactory.__call__

    def uncached(
        self: Any, word: str, positional: Any, keywords: Any, origin: Any, params: Any = ()
    ) -> Any:
        self._cache.clear()
        return original(self, word, positional, keywords, origin, params)

    kinds.LayerFactory.__call__ = uncached  # type: ignore[method-assign]
    try:
        yield
    finally:
        kinds.LayerFactory.__call__ = original  # type: ignore[method-assign]


@contextlib.contextmanager
def collector_running() -> Iterator[None]:
    """The cycle collector left running while loading and evaluating."""
    import cnncalc.loader as loader

    @contextlib.contextmanager
    def running() -> Iterator[None]:
        yield

    homes = (speed, loader, api)
    original = speed.collector_paused
    for module in homes:
        setattr(module, "collector_paused", running)  # noqa: B010 (a module's own name)
    try:
        yield
    finally:
        for module in homes:
            setattr(module, "collector_paused", original)  # noqa: B010


def paired(job: Callable[[], None], off: Callable[[], Any], rounds: int) -> float:
    """Median time without the trick over median time with it, the two taking turns
    (after one warm-up run of each), so the machine's drift falls on both alike."""
    with_trick: list[float] = []
    without: list[float] = []
    for round_ in range(rounds + 1):
        for samples, switch in ((with_trick, contextlib.nullcontext), (without, off)):
            with switch():
                gc.collect()
                start = time.perf_counter()
                job()
                if round_:
                    samples.append(time.perf_counter() - start)
    return statistics.median(without) / statistics.median(with_trick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layers", type=int, default=10_000)
    args = parser.parse_args()
    texts = chains(args.layers)
    jobs: dict[str, Callable[[], None]] = {
        f"{args.layers:,}-layer grammar": lambda: whole_job(texts["grammar"], "grammar"),
        f"{args.layers:,}-layer YAML": lambda: whole_job(texts["yaml"], "yaml"),
        "the zoo": zoo_job,
    }
    tricks: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
        "layer cache (kinds.LayerFactory)": no_layer_cache,
        "cycle collector paused (speed.collector_paused)": collector_running,
    }
    print(f"medians of {args.rounds} rounds, taking turns; time without the trick / with it")
    print("| trick | " + " | ".join(jobs) + " |")
    print("|---|" + "---:|" * len(jobs))
    for trick, switch_off in tricks.items():
        cells = [f"{paired(job, switch_off, args.rounds):.2f}x" for job in jobs.values()]
        print(f"| {trick} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
