"""Fréchet Inception Distance with user-supplied Inception weights (ONNX).

Inception weights cannot be downloaded at run time, so FID runs only when a
user points ``--fid-weights`` at a local ONNX model (for example an
Inception-v3 pool3 exporter). The model's first input takes a batch of RGB
images, NCHW or NHWC, scaled to ``[-1, 1]`` and resized to the input's
declared size (299 when it is not fixed); its first output, flattened per
image, is the feature vector.

References
----------
Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a
Local Nash Equilibrium", NeurIPS 2017.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import IrodoriError

DEFAULT_SIZE = 299


class InceptionFeatures:
    """Feature extractor over an ONNX model: ``features((H, W, 3) uint8) -> (D,) float64``."""

    def __init__(self, path: str | Path) -> None:
        import onnxruntime as ort

        p = Path(path)
        if not p.is_file():
            raise IrodoriError(f"--fid-weights: file not found: {p}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own types for bad files
            raise IrodoriError(f"--fid-weights: cannot load {p} as an ONNX model: "
                               f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        inp = self.session.get_inputs()[0]
        shape = list(inp.shape)
        if len(shape) != 4:
            raise IrodoriError(f"--fid-weights: expected a model with a 4-D image input, got {shape}")
        self.input_name = inp.name
        self.nhwc = shape[3] == 3 and shape[1] != 3
        hw = shape[1:3] if self.nhwc else shape[2:4]
        self.size = tuple(int(v) if isinstance(v, int) and v > 0 else DEFAULT_SIZE for v in hw)

    def features(self, image: np.ndarray) -> np.ndarray:
        """Feature vector of one ``(H, W, 3) uint8`` image: ``(D,) float64``."""
        h, w = self.size
        x = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 127.5 - 1.0
        x = x[None] if self.nhwc else x.transpose(2, 0, 1)[None]
        out = self.session.run(None, {self.input_name: np.ascontiguousarray(x)})[0]
        return np.asarray(out, np.float64).reshape(-1)
