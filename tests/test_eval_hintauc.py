"""``irodori eval --protocol hintauc``: the Hint-AUC protocol through the hintauc package, on a tiny folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from irodori.cli import main
from irodori.synthetic import make_lineart

pytest.importorskip("hintauc")


@pytest.fixture
def folder(tmp_path):
    """One synthetic pair in line/ and color/ (white paper, coloured shapes, black lines)."""
    for i in range(1):
        d = make_lineart(72, 72, n_shapes=3, seed=i)
        colour = np.full((72, 72, 3), 255, np.uint8)
        inside = d.regions >= 0
        colour[inside] = d.region_colors[d.regions[inside]]
        colour = (colour * (1.0 - d.ink[..., None])).astype(np.uint8)
        (tmp_path / "data" / "line").mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / "color").mkdir(parents=True, exist_ok=True)
        Image.fromarray(((1.0 - d.ink) * 255).astype(np.uint8)).save(tmp_path / "data" / "line" / f"p{i}.png")
        Image.fromarray(colour).save(tmp_path / "data" / "color" / f"p{i}.png")
    return tmp_path


def test_hintauc_protocol_writes_curves_table_and_plot(folder, capsys):
    out = folder / "report"
    rc = main(["eval", "--protocol", "hintauc", "--data", str(folder / "data"), "-o", str(out),
               "--methods", "fill", "--quiet"])
    captured = capsys.readouterr()
    assert rc in (0, None), captured.err
    report = json.loads((out / "hintauc.json").read_text())
    curve = report["curves"][0]
    assert curve["method"] == "fill" and curve["n_images"] == 1
    assert set(curve["per_alpha"]) == {"0", "0.01", "0.03", "0.05", "0.1", "0.25", "0.5", "1"}
    assert 0 < curve["hint_auc"]["psnr"] < 100 and 0 < curve["hint_auc"]["ssim"] <= 1
    assert report["protocol"]["path_method"] == "geodesic"
    assert "| fill |" in (out / "hintauc.md").read_text()
    assert (out / "hintauc.png").stat().st_size > 1000
    # more hints never make fill worse on clean synthetic drawings
    assert curve["per_alpha"]["1"]["psnr"] >= curve["per_alpha"]["0.05"]["psnr"] - 0.5


def test_hintauc_refuses_a_method_without_hints(folder):
    rc = main(["eval", "--protocol", "hintauc", "--data", str(folder / "data"), "-o", str(folder / "r"),
               "--methods", "gray", "--quiet"])
    assert rc == 2
