from __future__ import annotations

import numpy as np

from redaction.frame_energy import FrameEnergy


def test_whole_frames_only_the_rest_carried_to_the_next_block() -> None:
    energy = FrameEnergy(80)
    x = np.full(200, 0.1, np.float32)  # -20 dBFS: two whole frames, 40 samples carried
    assert np.allclose(energy(x), [-20.0, -20.0])
    assert energy(np.full(39, 0.1, np.float32)).size == 0  # 79 samples: still no frame
    (last,) = energy(np.full(1, 0.01, np.float32))  # the 80th sample completes it
    assert np.isclose(last, 10 * np.log10((79 * 0.01 + 1e-4) / 80))
    assert energy(np.zeros(0, np.float32)).size == 0
