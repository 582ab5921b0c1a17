"""cnncalc against torchinfo on the same AlexNet: wall time and peak memory per process.

Needs torch and torchinfo (``pip install torch==2.13.0 torchinfo``); never run in CI.
torchvision is not needed: the torchvision AlexNet is written out with torch.nn.

    python bench/bench_torchinfo.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TORCHINFO = """
import torch
from torch import nn
from torchinfo import summary

model = nn.Sequential(
    nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
    nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
    nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
    nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
    nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
    nn.AdaptiveAvgPool2d(6), nn.Flatten(),
    nn.Dropout(0.5), nn.Linear(9216, 4096), nn.ReLU(),
    nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
)
stats = summary(model, input_size=(1, 3, 224, 224), verbose=0)
assert stats.total_params == 61_100_840, stats.total_params
print(stats)
"""


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"}
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"failed: {cmd}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    commands = {
        "torchinfo summary(alexnet) (torch import included)": [sys.executable, "-c", TORCHINFO],
        "cnncalc summarize specs/alexnet.yaml": [
            sys.executable,
            "-m",
            "cnncalc",
            "summarize",
            "specs/alexnet.yaml",
        ],
    }
    rows = {}
    for label, cmd in commands.items():
        measure(cmd)  # warm the file cache
        samples = [measure(cmd) for _ in range(args.runs)]
        rows[label] = (
            statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples),
        )
    print(f"median of {args.runs} runs")
    print("| command | wall (s) | peak RSS (MiB) |\n|---|---:|---:|")
    for label, (wall, rss) in rows.items():
        print(f"| `{label}` | {wall:.2f} | {rss:.0f} |")
    (t_wall, t_rss), (c_wall, c_rss) = rows.values()
    print(
        f"\ncnncalc takes {c_wall / t_wall:.3f} of torchinfo's time "
        f"({t_wall / c_wall:.0f}x faster) and {c_rss / t_rss:.3f} of its memory."
    )


if __name__ == "__main__":
    main()
