"""The openclipart source: repainting, sizing, the pair filter and a real build on synthetic SVG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from irodori.data import openclipart as oc
from irodori.data.build import build_dataset
from irodori.data.manifest import read_manifest
from irodori.data.sources import SkipItem, make_source
from irodori.errors import IrodoriError

META = ('<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:cc="http://web.resource.org/cc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><cc:Work>'
        '<dc:title>{title}</dc:title><dc:creator><cc:Agent><dc:title>{author}</dc:title></cc:Agent>'
        '</dc:creator></cc:Work></rdf:RDF></metadata>')


def _svg(body: str, size: str = 'width="200" height="200"', title: str = "t", author: str = "Ann Artist") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" {size} viewBox="0 0 200 200">'
            f'{META.format(title=title, author=author)}{body}</svg>')


CARTOON = _svg('<rect x="10" y="10" width="180" height="180" fill="#ffd0a0" stroke="#000" stroke-width="5"/>'
               '<circle cx="70" cy="80" r="35" style="fill:#3050e0;stroke:#000000;stroke-width:5"/>'
               '<circle cx="130" cy="120" r="40" fill="rgb(220,40,40)" stroke="black" stroke-width="5"/>'
               '<path d="M20 170 L180 170" stroke="#101010" stroke-width="5"/>')
LEAK = _svg('<rect x="10" y="10" width="60" height="80" fill="#e02020"/>'
            '<circle cx="150" cy="60" r="40" fill="#3050e0" stroke="#000" stroke-width="5"/>'
            '<circle cx="150" cy="150" r="40" fill="#30c060" stroke="#000" stroke-width="5"/>')
SILHOUETTE = _svg('<circle cx="100" cy="100" r="90" fill="#000"/><circle cx="100" cy="100" r="20" fill="red"/>')
FLAG = _svg('<rect width="70" height="200" fill="#009246"/><rect x="70" width="60" height="200" fill="#fff"/>'
            '<rect x="130" width="70" height="200" fill="#ce2b37"/>')
GRADIENT = _svg('<defs><radialGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" '
                'stop-color="#2060ff"/></radialGradient></defs>'
                '<circle cx="100" cy="100" r="90" fill="url(#g)" stroke="#000" stroke-width="4"/>')


def test_line_svg_repaints_dark_black_and_the_rest_white() -> None:
    svg = ('<svg><g fill="#ff0000" stroke="#111"><path style="fill:#00aa00;stroke:#000000;opacity:1"/>'
           '<stop stop-color="#202020"/><rect fill=\'navy\'/><circle fill="url(#g)" stroke="none"/></g></svg>')
    out = oc.line_svg(svg)
    assert 'fill="#ffffff"' in out and 'stroke="#000000"' in out
    assert "fill:#ffffff;stroke:#000000;opacity:1" in out
    assert 'stop-color="#000000"' in out
    assert "fill='#ffffff'" in out  # navy is a colour: its brightest channel is 128
    assert 'stroke="none"' in out and 'fill="url' not in out


def test_natural_size_from_width_height_or_viewbox() -> None:
    assert oc.natural_size('<svg width="10mm" height="20mm">') == pytest.approx((35.43307, 70.86614))
    assert oc.natural_size('<svg viewBox="0 0 300 150">') == (300.0, 150.0)
    assert oc.natural_size('<svg width="100%" height="100%" viewBox="0,0,40,80">') == (40.0, 80.0)
    with pytest.raises(SkipItem, match="no size"):
        oc.natural_size("<svg>")


def test_group_strips_variant_numbers() -> None:
    assert oc.group_of("people/juliane_krug_08a.svg") == oc.group_of("icons/juliane_krug_09c.svg")
    assert oc.group_of("food/apple.svg") == "apple"


@pytest.fixture()
def package(tmp_path: Path) -> Path:
    svg = tmp_path / "pkg" / "usr" / "share" / "openclipart" / "svg"
    for rel, text in {"people/cartoon_01.svg": CARTOON, "people/cartoon_02.svg": CARTOON.replace("3050e0", "30c060"),
                      "shapes/silhouette.svg": SILHOUETTE, "shapes/leak.svg": LEAK, "flags/flag.svg": FLAG, "shapes/glossy.svg": GRADIENT,
                      "special/broken.svg": "<svg><not closed", "special/viewbox_only.svg":
                      CARTOON.replace('width="200" height="200" ', "")}.items():
        (svg / rel).parent.mkdir(parents=True, exist_ok=True)
        (svg / rel).write_text(text, encoding="utf-8")
    return tmp_path / "pkg"


def test_render_keeps_outline_pairs_and_names_why_others_drop(package: Path) -> None:
    source = make_source("openclipart", folder=package)
    by_id = {it.id: it for it in source.items()}
    line, color = source.render(by_id["people__cartoon_01"], 96)
    assert line.shape == (96, 96) and color.shape == (96, 96, 3)
    ink = line < 128
    assert 0.02 < ink.mean() < 0.3 and (color[ink].max(axis=1) < 110).mean() > 0.8
    assert not (line[~ink] < 250).mean() > 0.1  # fills are white in the line art
    line2, _ = source.render(by_id["special__viewbox_only"], 96)
    assert np.array_equal(line2, line)
    reasons = {}
    for key in ("shapes__leak", "shapes__silhouette", "flags__flag", "shapes__glossy", "special__broken"):
        with pytest.raises(SkipItem) as e:
            source.render(by_id[key], 96)
        reasons[key] = e.value.reason
    assert reasons["shapes__leak"] == "line art does not close the areas"  # red fill has no outline
    assert reasons["shapes__silhouette"].startswith("silhouette")
    assert reasons["flags__flag"] == "too few outline pixels"
    assert reasons["shapes__glossy"] in ("gradients or texture dominate", "fewer than 3 fill colours",
                                         "line art does not close the areas")


def test_build_writes_manifest_splits_and_credits(package: Path, tmp_path: Path) -> None:
    report = build_dataset(make_source("openclipart", folder=package), tmp_path / "ds", size=96, workers=1,
                           progress=False)
    rows = read_manifest(tmp_path / "ds")
    assert {r.id for r in rows} == {"people__cartoon_01", "people__cartoon_02", "special__viewbox_only"}
    assert len({r.split for r in rows if r.group == "cartoon"}) == 1  # variants share a split
    assert all(r.license == oc.LICENSE for r in rows)
    assert sum(report.dropped.values()) == 5
    credits = (tmp_path / "ds" / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "public domain" in credits and "Ann Artist" in credits


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IrodoriError, match="dpkg-deb -x"):
        oc.find_svg_root(tmp_path)
