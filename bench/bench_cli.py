"""Benchmarks: start-up against the import floor, and scale on long generated chains.

Run from the repository root after ``pip install -e .``::

    python bench/bench_cli.py            # start-up and scale
    python bench/bench_cli.py --quick    # fewer repetitions

Start-up compares whole processes: ``cnncalc summarize specs/alexnet.yaml`` against
``python -c "import typer, rich, yaml"`` (the floor: what any typer+rich+yaml CLI pays
before doing anything). Output goes to a pipe, where the table is plain text; the
terminal rows run both through ``script`` (a pseudo-terminal), where the table is drawn
with rich, and compare them with each other. Each is run ``--runs`` times; medians are
reported. Scale runs ``cnncalc summarize FILE --format json`` on generated chains and
reports wall time and the child's peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CNNCALC = [sys.executable, "-m", "cnncalc"]


def timed(cmd: list[str], runs: int) -> float:
    """Median wall time of a command, in seconds (one warm-up run first)."""
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True, env=env)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def peak_rss_mib(cmd: list[str]) -> tuple[float, float]:
    """Wall time and peak memory (MiB) of one run of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def write_chain(folder: Path, layers: int, fmt: str) -> Path:
    """A chain of ``layers`` layers alternating conv (3x3, padding 1) and relu."""
    pairs = layers // 2
    if fmt == "cnn":
        path = folder / f"chain{layers}.cnn"
        body = "\n".join("-> CONV(8, 3, p=1) -> RELU" for _ in range(pairs))
        path.write_text(f"INPUT(32x32x8)\n{body}\n")
    else:
        path = folder / f"chain{layers}.yaml"
        body = "".join(
            "  - conv: {filters: 8, kernel: 3, padding: 1}\n  - relu\n" for _ in range(pairs)
        )
        path.write_text(f"input: 32x32x8\nlayers:\n{body}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="25000,50000,100000,200000")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs

    floor = timed([sys.executable, "-c", "import typer, rich, yaml"], runs)
    rows = [
        ("python -c 'import typer, rich, yaml' (floor)", floor),
        (
            "cnncalc summarize specs/alexnet.yaml",
            timed([*CNNCALC, "summarize", "specs/alexnet.yaml"], runs),
        ),
        (
            "cnncalc summarize specs/alexnet.yaml -f json",
            timed([*CNNCALC, "summarize", "specs/alexnet.yaml", "-f", "json"], runs),
        ),
        (
            "cnncalc summarize specs/alexnet.cnn -f json",
            timed([*CNNCALC, "summarize", "specs/alexnet.cnn", "-f", "json"], runs),
        ),
        ("cnncalc --help", timed([*CNNCALC, "--help"], runs)),
    ]
    if shutil.which("script"):  # a terminal, where the table is drawn with rich

        def in_pty(command: str) -> list[str]:
            return ["script", "-qec", command, "/dev/null"]

        pty_floor = timed(in_pty(f"{sys.executable} -c 'import typer, rich, yaml'"), runs)
        pty_table = timed(in_pty(f"{sys.executable} -m cnncalc summarize specs/alexnet.yaml"), runs)
        rows.append(("in a terminal (script): floor", pty_floor))
        rows.append(("in a terminal (script): cnncalc summarize specs/alexnet.yaml", pty_table))
    print(f"start-up, median of {runs} runs (python {sys.version.split()[0]}):")
    print("| command | median (ms) | ratio to floor |\n|---|---:|---:|")
    for label, seconds in rows:
        base = rows[-2][1] if label.startswith("in a terminal") else floor
        print(f"| `{label}` | {seconds * 1000:.0f} | {seconds / base:.2f}x |")

    print("\nscale: summarize --format json on a generated conv/relu chain:")
    print("| layers | format | wall (s) | peak RSS (MiB) |\n|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for fmt in ("cnn", "yaml"):
                path = write_chain(Path(tmp), size, fmt)
                wall, rss = peak_rss_mib(
                    [*CNNCALC, "summarize", str(path), "-f", "json", "--max-layers", str(size + 1)]
                )
                print(f"| {size:,} | {fmt} | {wall:.2f} | {rss:.0f} |")
    resource.getrusage(resource.RUSAGE_CHILDREN)


if __name__ == "__main__":
    main()
