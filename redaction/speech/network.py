"""The digit network in numpy: dilated 1-D convolutions over log-mel frames, CTC outputs.

Layout (trained by tools/speech/train.py, batch norm already folded into the weights):
input conv (k=5) -> strided conv (k=5, /2: 20 ms per output frame) -> residual dilated
convs -> 1x1 conv to one score per label of ``redaction.speech.vocabulary.LABELS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redaction.errors import RedactionError
from redaction.speech.vocabulary import LABELS

#: Weights shipped in this package.
MODEL_PATH = Path(__file__).with_name("model.npz")
#: Output frames are 2 input frames (10 ms each) apart.
STRIDE = 2
OUTPUT_HOP_S = 0.020


@dataclass(frozen=True)
class _Conv:
    weight: np.ndarray  # (kernel * in, out), float32
    bias: np.ndarray  # (out,)
    kernel: int
    dilation: int = 1
    stride: int = 1

    @classmethod
    def of(cls, w: np.ndarray, b: np.ndarray, dilation: int = 1, stride: int = 1) -> _Conv:
        out_ch, in_ch, kernel = w.shape
        flat = np.ascontiguousarray(w.astype(np.float32).transpose(2, 1, 0).reshape(kernel * in_ch, out_ch))
        return cls(flat, b.astype(np.float32), kernel, dilation, stride)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """x: (frames, in) -> (frames', out), zero padding as in training."""
        pad = self.dilation * (self.kernel // 2)
        xp = np.pad(x, ((pad, pad), (0, 0)))
        n_out = (x.shape[0] + 2 * pad - self.dilation * (self.kernel - 1) - 1) // self.stride + 1
        taps = [xp[j * self.dilation : j * self.dilation + (n_out - 1) * self.stride + 1 : self.stride] for j in range(self.kernel)]
        return np.concatenate(taps, axis=1) @ self.weight + self.bias


class DigitNetwork:
    """Label posteriors for normalised log-mel frames; loads weights once."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        try:
            with np.load(path) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise RedactionError(f"cannot load the speech model {path.name}: {exc}") from exc
        if tuple(str(x) for x in arrays["labels"]) != LABELS:
            raise RedactionError(f"speech model {path.name} was trained for another vocabulary")
        dilations = [int(d) for d in arrays["dilations"]]
        self._inp = _Conv.of(arrays["inp_w"], arrays["inp_b"])
        self._down = _Conv.of(arrays["down_w"], arrays["down_b"], stride=STRIDE)
        self._blocks = [_Conv.of(arrays[f"block{i}_w"], arrays[f"block{i}_b"], dilation=d) for i, d in enumerate(dilations)]
        self._out = _Conv.of(arrays["out_w"], arrays["out_b"])

    def posteriors(self, features: np.ndarray) -> np.ndarray:
        """(frames, N_MELS) -> (ceil(frames / 2), labels) probabilities."""
        if features.shape[0] == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        h = np.maximum(self._inp(features), 0.0)
        h = np.maximum(self._down(h), 0.0)
        for block in self._blocks:
            h = h + np.maximum(block(h), 0.0)
        logits = self._out(h)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
