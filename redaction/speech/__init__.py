"""Built-in spoken-digit recognizer: energy VAD, log-mel features, a small CTC network.

Public entry point: :class:`redaction.speech.recognizer.BuiltinRecognizer`. Numpy only at
run time; the network's weights ship in this package (``model.npz``), trained by the
scripts under ``tools/speech/``.
"""
