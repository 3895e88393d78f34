"""DAISY texture descriptors computed per pixel on demand, against scikit-image's dense ``daisy``."""

import numpy as np

from irodori.reference import features


def _drawing(size=96):
    """Ink of a few circles and lines, like a small character drawing."""
    import cv2

    canvas = np.zeros((size, size), np.uint8)
    cv2.circle(canvas, (48, 40), 22, 255, 2, cv2.LINE_AA)
    cv2.circle(canvas, (40, 36), 4, 255, 1, cv2.LINE_AA)
    cv2.line(canvas, (20, 80), (76, 70), 255, 2, cv2.LINE_AA)
    cv2.ellipse(canvas, (50, 52), (9, 4), 10, 0, 180, 255, 1, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255


def test_daisy_texture_is_skimage_daisy_at_every_pixel():
    ink = _drawing()
    frame = features.drawing_frame(ink, 80)
    ink_work = np.clip(features.to_work(ink, frame), 0, 1).astype(np.float32)
    h, w = ink_work.shape
    expected = features.skimage_daisy(ink_work, frame)
    tex = features.DaisyTexture(ink_work, frame)
    assert tex.dim == expected.shape[2] == 208
    np.testing.assert_array_equal(tex.dense(), expected)
    idx = np.random.default_rng(0).choice(h * w, 500, replace=False)
    np.testing.assert_array_equal(tex.at(idx), expected.reshape(-1, 208)[idx])
    # The first and last pixels of the picture are still inside the padded maps.
    np.testing.assert_array_equal(tex.at(np.array([0, h * w - 1])), expected.reshape(-1, 208)[[0, -1]])
    texture, geometry = features.pixel_descriptors(ink_work, frame)
    np.testing.assert_array_equal(texture, expected)
    assert geometry.shape == (h, w, 6)
