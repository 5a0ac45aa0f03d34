import numpy as np
import pytest

from redaction.errors import RedactionError
from redaction.speech.network import MODEL_PATH, DigitNetwork
from redaction.speech.vocabulary import LABELS


def test_shipped_model_is_small_and_loads():
    assert MODEL_PATH.stat().st_size < 2_000_000
    net = DigitNetwork()
    p = net.posteriors(np.random.default_rng(0).standard_normal((101, 32)).astype(np.float32))
    assert p.shape == (51, len(LABELS))
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert net.posteriors(np.zeros((0, 32), np.float32)).shape == (0, len(LABELS))


def test_model_for_another_vocabulary_is_refused(tmp_path):
    with np.load(MODEL_PATH) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["labels"] = np.array(LABELS[:-1])
    np.savez(tmp_path / "other.npz", **arrays)
    with pytest.raises(RedactionError, match="another vocabulary"):
        DigitNetwork(tmp_path / "other.npz")


def test_unreadable_model_is_an_error(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(RedactionError, match="cannot load the speech model"):
        DigitNetwork(tmp_path / "bad.npz")
