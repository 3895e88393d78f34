"""Every registered method honours the one interface (timm-style: the test loops over the registry)."""

from __future__ import annotations

import numpy as np
import pytest

import irodori
from irodori.compose import composite, lines_layer
from irodori.methods import Reference, get_method, method_names
from irodori.synthetic import make_lineart

H, W = 96, 128


@pytest.fixture(scope="module")
def drawing():
    return make_lineart(H, W, n_shapes=5, seed=3)


@pytest.fixture(scope="module")
def reference():
    d = make_lineart(H, W, n_shapes=5, seed=3)
    return Reference(colors=d.colors, ink=d.ink)


def _run(name, drawing, reference):
    method = get_method(name)
    caps = method.capabilities
    hints = drawing.hints(seed=1) if caps.uses_hints or caps.needs_hints else None
    ref = reference if caps.needs_reference else None
    return irodori.colorize(drawing.ink, hints=hints, reference=ref, method=name)


def test_registry_lists_every_method_once():
    names = method_names()
    assert len(names) == len(set(names))
    assert {"fill", "gray"} <= set(names)
    described = {m["name"] for m in irodori.list_methods()}
    assert described == set(names)


@pytest.mark.parametrize("name", method_names())
def test_result_contract(name, drawing, reference):
    result = _run(name, drawing, reference)
    assert result.image.shape == (H, W, 3) and result.image.dtype == np.uint8
    assert result.flats.shape == (H, W, 4) and result.flats.dtype == np.uint8
    assert result.lines.shape == (H, W) and result.lines.dtype == np.uint8
    if result.regions is not None:
        assert result.regions.shape == (H, W) and result.regions.dtype == np.int32
    # Lines are never altered: the picture is the flats multiplied by the untouched line layer.
    assert np.array_equal(result.lines, lines_layer(drawing.ink))
    assert np.array_equal(result.image, composite(result.flats, drawing.ink))
    assert result.meta["method"] == name and result.meta["seconds"] >= 0


@pytest.mark.parametrize("name", method_names())
def test_deterministic(name, drawing, reference):
    a = _run(name, drawing, reference)
    b = _run(name, drawing, reference)
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.flats, b.flats)


@pytest.mark.parametrize("name", method_names())
def test_unknown_option_is_a_clear_error(name, drawing):
    with pytest.raises(irodori.IrodoriError, match="unknown option"):
        irodori.colorize(drawing.ink, hints=drawing.hints(seed=1), method=name, no_such_option=1)


def test_composite_known_values():
    flats = np.zeros((1, 3, 4), np.uint8)
    flats[0, 0] = (200, 100, 50, 255)   # opaque colour
    flats[0, 1] = (200, 100, 50, 0)     # unfilled: white paper shows
    flats[0, 2] = (10, 20, 30, 255)
    ink = np.array([[0.5, 0.0, 1.0]], np.float32)
    out = composite(flats, ink)
    assert out[0, 0].tolist() == [100, 50, 25]
    assert out[0, 1].tolist() == [255, 255, 255]
    assert out[0, 2].tolist() == [0, 0, 0]


def test_every_method_says_in_plain_words_what_it_is_and_for_whom():
    """The CLI, the API and the studio show the registry's words: each method has them, each option too."""
    from irodori.methods import METHOD_GROUPS, describe_methods

    groups = {g.id: g for g in METHOD_GROUPS}
    described = describe_methods()
    for m in described:
        cls = type(get_method(m["name"]))
        for attr in ("label", "summary", "group"):
            assert isinstance(getattr(cls, attr, None), str) and getattr(cls, attr), (m["name"], attr)
        assert cls.group in groups, (m["name"], cls.group)
        assert m["group"]["id"] == cls.group and m["group"]["label"] == groups[cls.group].label
        for o in m["options"]:
            assert o["label"] and o["help"], (m["name"], o["name"])
            assert isinstance(o["advanced"], bool) and isinstance(o["path"], bool)
            if o["choices"]:
                assert o["default"] in [c["value"] for c in o["choices"]], (m["name"], o["name"])
    # At most one recommendation per group, none among the baselines, which sit in the compare group.
    for g in METHOD_GROUPS:
        recommended = [m["name"] for m in described if m["group"]["id"] == g.id and m["recommended"]]
        assert len(recommended) <= (0 if g.compare else 1), (g.id, recommended)
    baselines = {"gray", "mean", "paste", "region-match"} & set(method_names())
    assert all(groups[type(get_method(n)).group].compare for n in baselines)
    assert next(m for m in described if m["name"] == "fill")["recommended"]


def test_option_metadata_reaches_the_spec():
    from dataclasses import dataclass

    from irodori.methods import option
    from irodori.methods.base import option_specs

    @dataclass(frozen=True)
    class Options:
        size: int = option(4, "Size", "How big.", advanced=True, min=1, max=9)
        mode: str = option("a", "Mode", "Which.", choices={"a": "first", "b": "second"}, widget="radio")
        raw: float = 0.5

    size, mode, raw = option_specs(Options)
    assert size == {"name": "size", "type": "int", "default": 4, "label": "Size", "help": "How big.",
                    "advanced": True, "path": False, "widget": None, "choices": None, "min": 1, "max": 9}
    assert mode["choices"] == [{"value": "a", "label": "first"}, {"value": "b", "label": "second"}]
    assert mode["widget"] == "radio" and not mode["advanced"]
    # A plain field is an internal until someone gives it words.
    assert raw["label"] == "raw" and raw["advanced"] and raw["help"] == ""
