"""Redaction layer: detectors (DTMF, speech, transcripts), card logic, span planning, masking."""
