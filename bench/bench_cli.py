"""Benchmarks: start-up against the import floor, and scale on long generated chains.

Run from the repository root after ``pip install -e .``::

    python bench/bench_cli.py            # start-up and scale
    python bench/bench_cli.py --quick    # fewer repetitions

Start-up compares whole processes: ``cnncalc summarize specs/alexnet.yaml`` against
``python -c "import typer, rich, yaml"`` (the floor: what any typer+rich+yaml CLI pays
before doing anything). Output goes to a pipe, where the table is plain text; the
terminal rows run both through ``script`` (a pseudo-terminal), where the table is drawn
with rich, and compare them with each other. The commands take turns, ``--runs`` times
each; medians are reported. Scale runs ``cnncalc summarize FILE --format json`` on
generated chains ``--scale-runs`` times and reports the median wall time and the child's
peak memory (max RSS). cnncalc's bytecode is written first, as an installed copy has it.
"""

from __future__ import annotations

import argparse
import compileall
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
_SCRIPT = Path(sys.executable).with_name("cnncalc")  # the installed script, not a shim
CNNCALC = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "cnncalc"]


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command, in seconds, after one warm-up run each. The
    commands take turns, so a slower spell of the machine falls on all of them alike."""
    env = {**os.environ, "NO_COLOR": "1"}
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs + 1):
        for label, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True, env=env)  # check exits 1
            samples[label].append(time.perf_counter() - start)
    return {label: statistics.median(times[1:]) for label, times in samples.items()}


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


def compile_bytecode() -> None:
    """Write cnncalc's bytecode, as ``pip install`` does: with PYTHONDONTWRITEBYTECODE set
    (as on this project's machine) an editable install would otherwise compile every
    module at every start, about 20 ms that no installed copy pays."""
    compileall.compile_dir(ROOT / "cnncalc", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--scale-runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="10000,50000,100000")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    compile_bytecode()

    floor_label = "python -c 'import typer, rich, yaml' (floor)"
    commands = {
        floor_label: [sys.executable, "-c", "import typer, rich, yaml"],
        "cnncalc summarize specs/alexnet.yaml": [*CNNCALC, "summarize", "specs/alexnet.yaml"],
        "cnncalc summarize specs/alexnet.yaml -f json": [
            *CNNCALC,
            "summarize",
            "specs/alexnet.yaml",
            "-f",
            "json",
        ],
        "cnncalc conv -i 11x11x3 -k 3 -p 1 -s 2 -d 2 --filters 3": [
            *CNNCALC,
            *[
                "conv",
                "-i",
                "11x11x3",
                "-k",
                "3",
                "-p",
                "1",
                "-s",
                "2",
                "-d",
                "2",
                "--filters",
                "3",
            ],
        ],
        "cnncalc check sheets/lecture5.yaml": [*CNNCALC, "check", "sheets/lecture5.yaml"],
        "cnncalc --help": [*CNNCALC, "--help"],
    }
    if shutil.which("script"):  # a terminal, where the table is drawn with rich

        def in_pty(command: str) -> list[str]:
            return ["script", "-qec", command, "/dev/null"]

        commands["in a terminal (script): floor"] = in_pty(
            f"{sys.executable} -c 'import typer, rich, yaml'"
        )
        commands["in a terminal (script): cnncalc summarize specs/alexnet.yaml"] = in_pty(
            f"{CNNCALC[0]} summarize specs/alexnet.yaml"
        )
        # Either side of RICH_TABLE_LIMIT (cnncalc/rendering/table.py): a rich Table up
        # to it, the plain layout streamed above it.
        folder = Path(tempfile.mkdtemp())
        for layers in (250, 252):
            long_chain = write_chain(folder, layers, "cnn")
            commands[f"in a terminal (script): cnncalc summarize chain{layers}.cnn"] = in_pty(
                f"{CNNCALC[0]} summarize {long_chain}"
            )
    medians = timed(commands, runs)
    print(f"start-up, median of {runs} runs (python {sys.version.split()[0]}):")
    print("| command | median (ms) | ratio to floor |\n|---|---:|---:|")
    for label, seconds in medians.items():
        pty = label.startswith("in a terminal")
        base = medians["in a terminal (script): floor" if pty else floor_label]
        print(f"| `{label}` | {seconds * 1000:.0f} | {seconds / base:.2f}x |")

    chain = "a generated conv/relu chain"
    print(f"\nscale: summarize --format json on {chain} (median of {args.scale_runs}):")
    print("| layers | format | wall (s) | peak RSS (MiB) |\n|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for fmt in ("cnn", "yaml"):
                path = write_chain(Path(tmp), size, fmt)
                runs_here = [
                    peak_rss_mib([*CNNCALC, "summarize", str(path), "-f", "json"])
                    for _ in range(args.scale_runs)
                ]
                wall = statistics.median(w for w, _ in runs_here)
                rss = max(r for _, r in runs_here)
                print(f"| {size:,} | {fmt} | {wall:.2f} | {rss:.0f} |")
    resource.getrusage(resource.RUSAGE_CHILDREN)


if __name__ == "__main__":
    main()
