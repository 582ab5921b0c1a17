"""The HTML report and the SVGs as a person sees them: opened in headless Chromium
(Debian's ``chromium`` package; skipped where it is absent), screenshot taken, no console
errors, and the rendered area not blank. Screenshots go to ``$CNNCALC_ARTEFACTS`` when
set (CI keeps them), else to a temporary folder; they are never committed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.conftest import SPECS

BROWSER = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")

PAGES = {
    "alexnet-report.html": ("summarize", str(SPECS / "alexnet.yaml"), "--format", "html"),
    "alexnet-blocks.svg": ("draw", str(SPECS / "alexnet.yaml"), "--style", "blocks"),
    "resnet18-graph.svg": ("draw", str(SPECS / "resnet18.yaml")),
    "inception_v3-graph.svg": ("draw", str(SPECS / "inception_v3.yaml")),
}


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("CNNCALC_ARTEFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_renders_without_errors(name: str, artefacts: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    page = artefacts / name
    code, _, err = run_cli(*PAGES[name], "-o", str(page))
    assert (code, err) == (0, "")
    shot = artefacts / f"{name}.png"
    assert BROWSER is not None
    proc = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,900",
            f"--screenshot={shot}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console
    with image.open(shot) as picture:
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 3  # more than a blank page
