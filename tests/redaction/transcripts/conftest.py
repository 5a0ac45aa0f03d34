"""Provider transcript fixtures (written by make_fixtures.py from the providers' docs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "aws": "aws.json",
    "deepgram": "deepgram.json",
    "assemblyai": "assemblyai.json",
    "whisper": "whisper.json",
    "simple": "call.simple",
}


def fixture_text(name: str) -> str:
    return (FIXTURES / FILES[name]).read_text(encoding="utf-8")


def provider_documents() -> list[Path]:
    """Every provider document among the fixtures: the ones make_fixtures.py writes and the
    real ones (fixtures/real: JSON, and subtitles)."""
    real = [path for pattern in ("*.json", "*.srt", "*.vtt") for path in (FIXTURES / "real").glob(pattern)]
    return sorted([FIXTURES / name for name in FILES.values()] + real)


def expected_sensitive(name: str) -> list[int]:
    return json.loads((FIXTURES / "sensitive.json").read_text())[name]


@pytest.fixture(params=sorted(FILES))
def format_name(request: pytest.FixtureRequest) -> str:
    return request.param
