"""Audio layer: decode, resample, mix, timeline assembly, beep, VAD, encode.

Samples inside this package are float32 in [-1, 1], mono arrays of shape (frames,);
rates are integers named ``*_hz``; times at the edges are seconds named ``*_s``.
"""
