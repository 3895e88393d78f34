"""Hints: JSON and PNG codecs (round trips), drawing, and every kind of bad hint."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irodori import Hints, IrodoriError, Point, Stroke
from irodori.io import write_png

H, W = 40, 60

colours = st.one_of(st.none(), st.tuples(*[st.integers(0, 255)] * 3))
xs = st.floats(0, W, allow_nan=False)
ys = st.floats(0, H, allow_nan=False)
points = st.builds(Point, xs, ys, colours, st.floats(0.1, 20))
strokes = st.builds(Stroke, st.lists(st.tuples(xs, ys), min_size=1, max_size=6).map(tuple),
                    colours, st.floats(0.1, 20))
hint_sets = st.lists(st.one_of(points, strokes), max_size=8).map(lambda x: Hints(tuple(x)))


EXAMPLE = {"version": 1, "hints": [
    {"type": "point", "x": 120.5, "y": 80, "color": "#ff8800", "radius": 4},
    {"type": "stroke", "points": [[10, 10], [40, 12], [60, 30]], "color": "#00aaff", "width": 6},
    {"type": "point", "x": 5, "y": 5, "color": "transparent", "radius": 3}]}


def test_readme_example_parses():
    hints = Hints.from_dict(EXAMPLE)
    assert hints.items == (
        Point(120.5, 80.0, (255, 136, 0), 4.0),
        Stroke(((10.0, 10.0), (40.0, 12.0), (60.0, 30.0)), (0, 170, 255), 6.0),
        Point(5.0, 5.0, None, 3.0))
    out = hints.to_dict()
    assert out["version"] == 1
    assert [h["color"] for h in out["hints"]] == ["#ff8800", "#00aaff", "transparent"]
    assert out["hints"][1]["points"] == [[10, 10], [40, 12], [60, 30]]
    assert Hints.from_dict(json.loads(json.dumps(out))) == hints


def test_defaults_and_missing_version():
    hints = Hints.from_dict({"hints": [{"type": "point", "x": 1, "y": 2, "color": "#000000"},
                                       {"type": "stroke", "points": [[1, 1]], "color": "#ffffff"}]})
    assert hints.items[0].radius == 3.0 and hints.items[1].width == 4.0


@settings(max_examples=60, deadline=None)
@given(hint_sets)
def test_json_text_round_trip(hints):
    assert Hints.from_json_text(hints.to_json_text()) == hints


def test_json_file_round_trip_and_no_overwrite(tmp_path):
    hints = Hints.from_dict(EXAMPLE)
    path = hints.to_json(tmp_path / "h.json")
    assert Hints.from_json(path) == hints
    with pytest.raises(IrodoriError, match="exists"):
        hints.to_json(path)
    Hints().to_json(path, overwrite=True)
    assert Hints.from_json(path) == Hints()
    assert [p.name for p in tmp_path.iterdir()] == ["h.json"]  # no temporary files left


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hint_sets)
def test_png_layer_round_trip_is_exact(tmp_path, hints):
    layer = hints.to_rgba((H, W))
    path = write_png(tmp_path / "hints.png", layer, overwrite=True)
    back = Hints.from_png(path)
    np.testing.assert_array_equal(back.to_rgba((H, W)), layer)
    assert all(h.color is not None for h in back)


def test_png_layer_reads_alpha_as_mask_and_keeps_colours():
    layer = np.zeros((5, 8, 4), np.uint8)
    layer[1, 1:5] = (255, 0, 0, 255)
    layer[1, 5] = (0, 0, 255, 10)  # faint alpha still marks a hint (PaintsChainer)
    layer[3, 2] = (0, 255, 0, 255)
    layer[4, :, :3] = 200  # colour without alpha is not a hint
    hints = Hints.from_rgba(layer)
    assert hints.items == (Stroke(((1.0, 1.0), (4.0, 1.0)), (255, 0, 0), 1.0),
                           Point(5.0, 1.0, (0, 0, 255), 0.5),
                           Point(2.0, 3.0, (0, 255, 0), 0.5))
    assert not Hints.from_rgba(np.zeros((4, 4, 4), np.uint8))


def test_from_rgba_rejects_wrong_shape():
    with pytest.raises(IrodoriError, match="RGBA"):
        Hints.from_rgba(np.zeros((4, 4, 3), np.uint8))


def test_point_covers_pixel_centres_within_radius():
    colors, mask, transparent = Hints((Point(3, 3, (9, 8, 7), 2),)).rasterize((7, 7))
    yy, xx = np.mgrid[:7, :7]
    np.testing.assert_array_equal(mask, (xx - 3) ** 2 + (yy - 3) ** 2 <= 4)
    assert (colors[mask] == (9, 8, 7)).all() and (colors[~mask] == 0).all()
    assert not transparent.any()


def _sampled_distance(points, shape):
    """Distance from each pixel centre to a polyline, by dense sampling (an independent oracle)."""
    pts = np.asarray(points, np.float64)
    if len(pts) == 1:
        samples = pts
    else:
        samples = np.concatenate([p + np.linspace(0, 1, 2000)[:, None] * (q - p)
                                  for p, q in zip(pts[:-1], pts[1:])])
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    d2 = (xx[..., None] - samples[:, 0]) ** 2 + (yy[..., None] - samples[:, 1]) ** 2
    return np.sqrt(d2.min(axis=2))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 19), st.floats(0, 14)), min_size=1, max_size=4),
       st.floats(1, 8))
def test_stroke_covers_pixel_centres_within_half_width(points, width):
    shape = (15, 20)
    _, mask, _ = Hints((Stroke(tuple(points), (1, 2, 3), width),)).rasterize(shape)
    d = _sampled_distance(points, shape)
    assert mask[d < width / 2 - 0.02].all()
    outside = d > width / 2 + 0.02
    for x, y in points:  # every hint also marks the pixel under each of its points
        outside[min(int(round(y)), shape[0] - 1), min(int(round(x)), shape[1] - 1)] = False
    assert not mask[outside].any()


def test_tiny_hints_mark_their_pixel_and_later_hints_win():
    hints = Hints((Point(2.4, 2.4, (255, 0, 0), 0.01), Point(2, 2, None, 1),
                   Point(4, 4, (255, 0, 0), 0.01)))
    colors, mask, transparent = hints.rasterize((6, 6))
    assert transparent[2, 2] and not mask[2, 2]  # the transparent dot painted over the red one
    assert mask[4, 4] and tuple(colors[4, 4]) == (255, 0, 0)
    labels, palette = hints.label_map((6, 6))
    assert palette == [(255, 0, 0), None] and labels[4, 4] == 1 and labels[2, 2] == 2


def test_huge_radius_and_width_fill_the_image_without_error():
    hints = Hints((Point(1, 1, (1, 1, 1), 1e9), Stroke(((0, 0), (5, 5)), (2, 2, 2), 1e12)))
    labels, _ = hints.label_map((8, 9))
    assert (labels == 2).all()


@pytest.mark.parametrize("hint", [Point(-1, 3, (0, 0, 0)), Point(3, H + 1, (0, 0, 0)),
                                  Stroke(((1, 1), (W + 5, 1)), None), Point(5e12, 1, (0, 0, 0))])
def test_hints_outside_the_image_are_an_error(hint):
    with pytest.raises(IrodoriError, match="outside"):
        Hints((hint,)).validate((H, W))
    with pytest.raises(IrodoriError, match="outside"):
        Hints((hint,)).rasterize((H, W))


def test_edges_of_the_image_are_inside():
    Hints((Point(0, 0, None), Point(W, H, (1, 2, 3)), Point(W - 1, H - 1, (1, 2, 3)))).validate((H, W))


def _one(**hint):
    return {"version": 1, "hints": [hint]}


@pytest.mark.parametrize("data, message", [
    ([], "JSON object"),
    ({"version": 2, "hints": []}, "version"),
    ({"version": 1, "hints": {}}, "list under 'hints'"),
    ({"version": 1, "hints": [3]}, "expected an object"),
    (_one(type="blob", x=1, y=1, color="#000000"), "unknown type 'blob'"),
    (_one(x=1, y=1, color="#000000"), "unknown type None"),
    (_one(type="point", x=1, y=1), "missing 'color'"),
    (_one(type="point", x=1, y=1, color="#fff"), "bad colour '#fff'"),
    (_one(type="point", x=1, y=1, color="red"), "bad colour 'red'"),
    (_one(type="point", x=1, y=1, color=None), "bad colour None"),
    (_one(type="point", x="1", y=1, color="#000000"), "x of hint 0"),
    (_one(type="point", x=True, y=1, color="#000000"), "x of hint 0"),
    (_one(type="point", y=1, color="#000000"), "x of hint 0"),
    (_one(type="point", x=1, y=float("nan"), color="#000000"), "finite"),
    (_one(type="point", x=1, y=1, color="#000000", radius=0), "radius must be > 0"),
    (_one(type="stroke", points=[], color="#000000"), "non-empty list"),
    (_one(type="stroke", points=[[1, 2, 3]], color="#000000"), r"\[x, y\] pairs"),
    (_one(type="stroke", points=[[1, 2]], color="#000000", width=-1), "width must be > 0"),
    (_one(type="stroke", points=[[1, "a"]], color="#000000"), "y in hint 0"),
])
def test_bad_hints_give_one_line_errors(data, message):
    with pytest.raises(IrodoriError, match=message) as e:
        Hints.from_dict(data)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("text", ["{", "", "[1, 2", '{"version": 1, "hints": [}', "\ufeff{}x"])
def test_malformed_json_text(text):
    with pytest.raises(IrodoriError, match="bad hints JSON"):
        Hints.from_json_text(text)


def test_json_file_errors(tmp_path):
    with pytest.raises(IrodoriError, match="not found"):
        Hints.from_json(tmp_path / "missing.json")
    (tmp_path / "latin1.json").write_bytes(b'{"hints": ["\xff"]}')
    with pytest.raises(IrodoriError, match="cannot read"):
        Hints.from_json(tmp_path / "latin1.json")
    with pytest.raises(IrodoriError, match="cannot read"):
        Hints.from_json(tmp_path)


def test_png_layer_with_thousands_of_colours_round_trips():
    rng = np.random.default_rng(3)
    layer = rng.integers(0, 256, (64, 96, 4), dtype=np.uint8)  # a colour per pixel, as anti-aliasing gives
    layer[..., 3] = np.where(layer[..., 3] > 60, layer[..., 3], 0)
    expected = np.where(layer[..., 3:4] > 0, np.concatenate([layer[..., :3], np.full((64, 96, 1), 255, np.uint8)],
                                                           axis=2), 0)
    np.testing.assert_array_equal(Hints.from_rgba(layer).to_rgba((64, 96)), expected)


def test_json_file_with_a_byte_order_mark(tmp_path):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(EXAMPLE).encode())
    assert Hints.from_json(p) == Hints.from_dict(EXAMPLE)
