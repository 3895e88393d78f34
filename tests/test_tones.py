"""Screentone: the manga page renderer's truth, tone detection, removal and the tone modes."""

from __future__ import annotations

import numpy as np
import pytest

import irodori
from irodori import Hints, IrodoriError, Point
from irodori.color import rgb_ciede2000
from irodori.data import manga
from irodori.synthetic import make_lineart
from irodori.tones import analyse_tones, apply_tones, tone_layer

KINDS = {"dot": (1, 0, 0), "line": (0, 1, 0), "gradient": (0, 0, 1)}


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


@pytest.fixture(scope="module")
def drawings():
    return [make_lineart(384, 384, seed=s) for s in (2, 4)]


def _toned(d, kind: str, seed: int) -> manga.MangaPage:
    return manga.tone_drawing(d.ink, d.colors, seed=seed, style=manga.ToneStyle(kinds=KINDS[kind]))


@pytest.mark.parametrize("coverage", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("kind", [manga.DOT, manga.LINE])
def test_screen_inks_the_asked_coverage(kind, coverage):
    s = manga.screen((240, 240), kind, 7.3, 30.0, coverage)
    assert s.dtype == bool and abs(s.mean() - coverage) < 0.03


def test_tone_drawing_truth_is_consistent(drawings):
    d = drawings[0]
    a = manga.tone_drawing(d.ink, d.colors, seed=1)
    b = manga.tone_drawing(d.ink, d.colors, seed=1)
    assert np.array_equal(a.page, b.page)  # a pure function of the seed
    assert a.page.dtype == np.float32 and a.page.shape == d.ink.shape
    assert a.toned.any() and not (a.toned & (d.ink >= 0.5)).any()
    # Toned areas carry ink (the screen) where the clean drawing is paper.
    assert a.page[a.toned].mean() > d.ink[a.toned].mean() + 0.08
    assert a.tone[a.toned].min() > 0 and a.tone[a.tone_kind == manga.NONE].max() == 0


def test_make_page_has_panels_gutters_and_lettered_balloons():
    pairs = [(d.ink, d.colors) for d in (make_lineart(256, 256, seed=s) for s in range(3))]
    p = manga.make_page(pairs, height=720, width=512, seed=3, supersample=2.0, balloons=(1, 2))
    assert p.page.shape == (720, 512) and p.colors.shape == (720, 512, 3)
    assert 3 <= len(p.panels) <= 7
    assert p.gutter.mean() > 0.05 and (p.colors[p.gutter] == 255).all()
    assert p.balloon.any() and (p.colors[p.balloon] == 255).all()
    assert p.text.any() and (p.text & ~p.balloon).sum() < 0.05 * p.text.sum()
    assert not (p.toned & (p.gutter | p.balloon)).any()
    assert p.page[p.gutter].mean() < 0.05  # gutters are paper on the scan too


@pytest.mark.parametrize("kind,target", [("dot", 0.85), ("line", 0.8), ("gradient", 0.75)])
def test_detection_finds_the_toned_areas(drawings, kind, target):
    ious = [_iou(analyse_tones(_toned(d, kind, i).page).mask, _toned(d, kind, i).toned)
            for i, d in enumerate(drawings)]
    assert np.mean(ious) >= target, ious


def test_clean_line_art_is_left_alone(drawings):
    for d in drawings:
        a = analyse_tones(d.ink)
        assert not a.found and not a.mask.any() and a.ink is d.ink or np.array_equal(a.ink, d.ink)
    # Dense hatching is line work, not tone: parallel strokes of uneven spacing and length.
    rng = np.random.default_rng(0)
    ink = np.zeros((200, 200), np.float32)
    x = 20.0
    while x < 180:
        y0, y1 = rng.integers(10, 60), rng.integers(120, 190)
        ink[y0:y1, int(x):int(x) + 2] = 1
        x += rng.uniform(4, 11)
    assert not analyse_tones(ink).found


def _paper_share(image, d) -> float:
    paper = d.regions >= 0
    return float((rgb_ciede2000(image[paper], d.colors[paper]) <= 10).mean())


def test_toned_drawing_colours_like_its_clean_line_art(drawings):
    d = drawings[1]
    page = _toned(d, "dot", 0).page
    hints = d.hints()
    clean = _paper_share(irodori.colorize(d.ink, hints, tones="off").image, d)
    dots_stay = _paper_share(irodori.colorize(page, hints, tones="off").image, d)
    dropped = irodori.colorize(page, hints)
    assert _paper_share(dropped.image, d) >= 0.96 * clean > dots_stay
    assert dropped.meta["tones"]["mode"] == "drop"
    assert "tone" not in [layer.name for layer in dropped.layers]


def test_tone_modes_put_the_tone_back(drawings):
    d = drawings[0]
    t = _toned(d, "dot", 0)
    a = analyse_tones(t.page)
    img = np.full(d.ink.shape + (3,), 200, np.uint8)
    assert np.array_equal(apply_tones(img, a, "drop"), img)
    shaded = apply_tones(img, a, "shade", 0.5)
    assert (shaded[~a.mask] == 200).all() and shaded[a.mask].mean() < 195
    kept = apply_tones(img, a, "keep")
    assert kept[a.mask].mean() < shaded[a.mask].mean()  # dots at full strength
    assert tone_layer(a, "drop") is None and tone_layer(a, "keep").dtype == np.uint8
    r = irodori.colorize(t.page, d.hints(), tones="shade")
    tone = [layer for layer in r.layers if layer.name == "tone"]
    assert len(tone) == 1 and tone[0].blend == "multiply" and tone[0].rgba.shape == d.ink.shape + (4,)
    assert r.meta["tones"]["mode"] == "shade" and tone[0].rgba[..., 3][a.mask].mean() > 20
    with pytest.raises(IrodoriError, match="tones"):
        irodori.colorize(t.page, tones="fade")


def test_black_fill_stays_black_or_takes_its_hint():
    ink = np.zeros((160, 160), np.float32)
    ink[10:150, 10:12] = ink[10:150, 148:150] = ink[10:12, 10:150] = ink[148:150, 10:150] = 1
    ink[40:120, 40:120] = 1  # a black fill (hair) ...
    ink[60:70, 60:100] = 0  # ... with a highlight
    # A screen beside it so the page is analysed as a manga page.
    ink[20:140, 125:145] = manga.screen((120, 20), manga.DOT, 5.0, 45.0, 0.3)
    plain = irodori.colorize(ink, Hints((Point(20, 20, (250, 200, 200), 3),)))
    assert (plain.image[45:55, 45:115] < 30).all()  # stays black
    blue = irodori.colorize(ink, Hints((Point(20, 20, (250, 200, 200), 3), Point(50, 50, (30, 60, 200), 2))))
    assert np.abs(blue.image[45:55, 45:115].astype(int) - (30, 60, 200)).max() <= 2
    assert blue.meta.get("black_fills_coloured") == 1
    assert (blue.image[62:68, 62:98] > 150).all()  # the highlight is not painted over


@pytest.fixture(scope="module")
def small_page():
    pairs = [(d.ink, d.colors) for d in (make_lineart(256, 256, seed=s) for s in range(3))]
    return manga.make_page(pairs, height=720, width=512, seed=3, supersample=2.0, balloons=(1, 2))


def test_page_structure_finds_panels_gutters_and_balloons(small_page):
    from irodori.page import analyse_page
    p = small_page
    s = analyse_page(analyse_tones(p.page).ink)
    assert len(s.boxes) == len(p.panels)
    assert _iou(s.gutter, p.gutter) > 0.97
    assert _iou(s.balloons, p.balloon) > 0.9
    # A single drawing is not a page; its face (eyes, mouth) is not a balloon.
    d = make_lineart(384, 384, seed=2)
    s1 = analyse_page(d.ink)
    assert not s1.is_page and not s1.balloons.any()


def test_gutters_and_balloons_stay_white_unless_hinted(small_page):
    import cv2
    p = small_page
    x, y = np.argwhere(p.balloon & ~p.text & (p.lines < 0.1))[len(np.argwhere(p.balloon)) // 3][::-1]
    # A dot on the figure, deep in a paper area of a panel.
    depth = cv2.distanceTransform((~p.gutter & ~p.balloon & (p.lines < 0.1)).astype(np.uint8), cv2.DIST_L2, 3)
    fy, fx = np.unravel_index(int(np.argmax(depth)), depth.shape)
    hints = Hints((Point(float(fx), float(fy), (200, 40, 40), 2),))
    r = irodori.colorize(p.page, hints)
    paper = (p.lines < 0.1)
    for m in (p.gutter & paper, p.balloon & paper):
        img = r.image[m].astype(int)
        assert ((img.max(1) - img.min(1)) <= 4).mean() >= 0.99  # no colour added
    assert r.meta["page"]["panels"] == len(p.panels)
    # A hint inside a balloon colours it.
    hinted = irodori.colorize(p.page, Hints(hints.items + (Point(float(x), float(y), (40, 200, 40), 2),)))
    assert hinted.image[int(y), int(x), 1] > hinted.image[int(y), int(x), 0] + 60
    off = irodori.colorize(p.page, hints, page=False)
    assert "page" not in off.meta


# ------------------------------------------------------------------ command line, batch, layers

def _toned_file(tmp_path, name="page.png"):
    from PIL import Image
    d = make_lineart(256, 256, seed=4)
    t = manga.tone_drawing(d.ink, d.colors, seed=0, style=manga.ToneStyle(kinds=KINDS["dot"]))
    path = tmp_path / name
    Image.fromarray(np.rint((1 - t.page) * 255).astype(np.uint8)).save(path)
    hints = d.hints().to_json(tmp_path / (path.stem + ".hints.json"))
    return path, hints, d


def test_cli_tones_shade_writes_a_tone_layer(tmp_path, capsys):
    import zipfile

    from irodori.cli import main
    page, hints, d = _toned_file(tmp_path)
    out, ora = tmp_path / "out.png", tmp_path / "out.ora"
    rc = main(["colorize", str(page), "-o", str(out), "--hints", str(hints), "--layers", str(ora),
               "--tones", "shade"])
    assert rc == 0, capsys.readouterr().err
    stack = zipfile.ZipFile(ora).read("stack.xml").decode()
    assert 'name="tone"' in stack and "svg:multiply" in stack
    rc = main(["colorize", str(page), "-o", str(tmp_path / "x.png"), "--tones", "fade"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: unknown tones mode 'fade'")


def test_batch_colours_a_toned_chapter(tmp_path):
    from irodori.batch import run_batch
    from irodori.io import read_rgb
    pages = tmp_path / "chapter"
    pages.mkdir()
    _, _, d = _toned_file(pages, "p01.png")
    report = run_batch(pages, tmp_path / "out", tones="drop")
    assert len(report.done) == 1 and not report.failed
    run_batch(pages, tmp_path / "off", tones="off")
    dropped = _paper_share(read_rgb(tmp_path / "out" / "p01.png"), d)
    assert dropped > _paper_share(read_rgb(tmp_path / "off" / "p01.png"), d) + 0.03
    with pytest.raises(IrodoriError, match="tones"):
        run_batch(pages, tmp_path / "out2", tones="fade")


def test_eval_has_toned_rows_of_their_own(tmp_path):
    from PIL import Image

    from irodori.eval.compare import EvalConfig, run_eval
    root = tmp_path / "shapes"
    for sub in ("line", "color"):
        (root / sub).mkdir(parents=True)
    for s in range(2):
        d = make_lineart(192, 192, seed=10 + s)
        Image.fromarray(np.rint((1 - d.ink) * 255).astype(np.uint8)).save(root / "line" / f"s{s}.png")
        Image.fromarray(d.colors).save(root / "color" / f"s{s}.png")
    outcome = run_eval(EvalConfig(data=(root,), out=tmp_path / "report", methods="fill",
                                  hints="per-region", toned=1, limit=1, progress=False, grid_images=1))
    sets = {r["dataset"] for r in outcome.rows}
    assert sets == {"shapes", "shapes+toned"}
    assert sum(r["dataset"] == "shapes+toned" for r in outcome.rows) == 1
    assert all(r["status"] == "ok" for r in outcome.rows)
    assert "shapes+toned" in (tmp_path / "report" / "report.md").read_text()


def test_studio_api_sends_tone_free_lines_and_the_tone_layer(tmp_path):
    import base64
    import io
    import json

    from fastapi.testclient import TestClient
    from PIL import Image

    from irodori.web.app import create_app
    from irodori.web.config import StudioConfig
    page, hints, _ = _toned_file(tmp_path)
    with TestClient(create_app(StudioConfig(workers=1, timeout_s=60))) as c:
        r = c.post("/api/colorize", data={"method": "fill", "hints": hints.read_text(), "format": "json",
                                          "options": json.dumps({"tones": "shade"})},
                   files={"lineart": ("page.png", page.read_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [layer["name"] for layer in body["layers"]] == ["tone"]
    lines = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["lines"]))))
    assert lines.shape == (256, 256) and lines.mean() > np.asarray(Image.open(page)).mean()  # dots gone
