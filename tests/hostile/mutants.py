"""A seeded mutation fuzzer's pieces for the audio inputs: small well-formed files of every
sample format the product reads, and deterministic mutations of them (header fields set to
the values writers and attackers use, truncations, flipped bytes), plus the subprocess run of
a CLI command under a time and memory cap. Everything is generated, nothing committed."""

from __future__ import annotations

import io
import os
import random
import resource
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

RATE_HZ = 8000

#: (container, subtype) of the small seeds: every WAV sample format, RF64, W64, AIFF, AU, CAF,
#: FLAC, OGG, MP3.
SEED_FORMATS = (("WAV", "PCM_U8"), ("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "PCM_32"),
                ("WAV", "FLOAT"), ("WAV", "DOUBLE"), ("WAV", "ULAW"), ("WAV", "ALAW"),
                ("WAV", "IMA_ADPCM"), ("WAV", "MS_ADPCM"), ("WAV", "GSM610"), ("WAVEX", "PCM_16"),
                ("WAVEX", "FLOAT"), ("RF64", "PCM_16"), ("W64", "PCM_16"), ("AIFF", "PCM_16"), ("AU", "ULAW"),
                ("CAF", "PCM_16"), ("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III"))

#: 32-bit values that header fields are set to: nothing, one, a sign bit, all ones.
EDGE_U32 = (0, 1, 2, 3, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)
#: 64-bit ones (RF64's ds64, Wave64 and CAF chunk sizes): also the signed and unsigned ends.
EDGE_U64 = (0, 1, 2**31, 2**32 - 1, 2**62, 2**63 - 1, 2**63, 2**64 - 1)
EDGE_U16 = (0, 1, 2, 3, 7, 8, 9, 24, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF)


def seed_file(container: str, subtype: str, seconds: float = 0.5, channels: int = 1) -> bytes:
    """``seconds`` of a quiet tone in the given format, as bytes."""
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    data = np.repeat(tone[:, None], channels, axis=1)
    out = io.BytesIO()
    soundfile.write(out, data, RATE_HZ, format=container, subtype=subtype)
    return out.getvalue()


def wav(fmt_tag: int = 1, channels: int = 1, rate_hz: int = RATE_HZ, bits: int = 16,
        data: bytes = b"\0\0" * 800, byte_rate: int | None = None, block_align: int | None = None,
        extra: bytes = b"", data_size: int | None = None) -> bytes:
    """A WAV built field by field (any field may lie)."""
    align = block_align if block_align is not None else channels * bits // 8
    rate = byte_rate if byte_rate is not None else rate_hz * align
    fmt = struct.pack("<HHIIHH", fmt_tag, channels & 0xFFFF, rate_hz & 0xFFFFFFFF, rate & 0xFFFFFFFF,
                      align & 0xFFFF, bits & 0xFFFF) + extra
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"data" + struct.pack("<I", len(data) if data_size is None else data_size) + data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def extensible(sub_format: int, bits: int = 16, valid_bits: int | None = None, channels: int = 1,
               mask: int = 4, rate_hz: int = RATE_HZ, data: bytes = b"\0\0" * 800) -> bytes:
    """WAVE_FORMAT_EXTENSIBLE whose sub-format GUID starts with ``sub_format``."""
    guid = struct.pack("<I", sub_format) + bytes.fromhex("000000001000800000aa00389b71")
    extra = struct.pack("<HHI", 22, bits if valid_bits is None else valid_bits, mask) + guid
    return wav(0xFFFE, channels, rate_hz, bits, data, extra=extra)


@dataclass(frozen=True)
class Mutant:
    """One mutated file: its bytes and how it was made (for a failure's message)."""

    name: str
    data: bytes


def mutate(seed: bytes, rng: random.Random, label: str) -> Mutant:
    """One mutation of ``seed`` chosen by ``rng``."""
    data = bytearray(seed)
    kind = rng.choice(("u32", "u16", "u64", "truncate", "flip", "chunk_size", "chunk_size", "splice", "zero_run"))
    if kind == "truncate":
        cut = rng.randrange(1, len(data))
        return Mutant(f"{label}:truncate@{cut}", bytes(data[:cut]))
    if kind == "chunk_size":
        return _chunk_size(seed, rng, label)
    limit = min(len(data), 64 if rng.random() < 0.8 else len(data))
    at = rng.randrange(0, max(1, limit - 4))
    if kind == "u32":
        value = rng.choice(EDGE_U32)
        struct.pack_into("<I", data, at, value)
        return Mutant(f"{label}:u32@{at}={value:#x}", bytes(data))
    if kind == "u64":
        value = rng.choice(EDGE_U64)
        data[at:at + 8] = struct.pack(rng.choice("<>") + "Q", value)[:len(data) - at]
        return Mutant(f"{label}:u64@{at}={value:#x}", bytes(data))
    if kind == "u16":
        value = rng.choice(EDGE_U16)
        struct.pack_into("<H", data, at, value)
        return Mutant(f"{label}:u16@{at}={value:#x}", bytes(data))
    if kind == "splice":
        other = rng.randrange(0, len(data))
        length = rng.randrange(1, 64)
        data[at:at + length] = data[other:other + length]
        return Mutant(f"{label}:splice@{at}<-{other}+{length}", bytes(data))
    if kind == "zero_run":
        length = rng.randrange(1, 256)
        data[at:at + length] = bytes(min(length, len(data) - at))
        return Mutant(f"{label}:zeros@{at}+{length}", bytes(data))
    for _ in range(rng.randrange(1, 8)):
        index = rng.randrange(0, len(data))
        data[index] ^= 1 << rng.randrange(8)
    return Mutant(f"{label}:flip", bytes(data))


#: Chunk ids of the seeds' containers (RIFF, RF64, Wave64 GUIDs, AIFF, CAF, AU has none).
CHUNK_IDS = (b"fmt ", b"data", b"ds64", b"LIST", b"fact", b"PEAK", b"riff", b"wave", b"COMM", b"SSND",
             b"FORM", b"desc", b"free", b"chan", b"kuki", b"pakt", b".snd")
#: Where a chunk's size sits after its id, and how it is written, by the file's first bytes:
#: AIFF (32-bit big-endian), CAF (64-bit big-endian), Wave64 (64-bit little-endian after the
#: 16-byte GUID), else RIFF's and RF64's (32-bit little-endian).
_SIZE_FIELDS = {b"FORM": (4, ">I"), b"caff": (4, ">Q"), b"riff": (16, "<Q")}


def _chunk_size(seed: bytes, rng: random.Random, label: str) -> Mutant:
    """A chunk's size set to an edge value (its 32- or 64-bit field, as its container writes it)."""
    found = [(seed.find(chunk_id), chunk_id) for chunk_id in CHUNK_IDS if chunk_id in seed[:4096]]
    if not found:
        return Mutant(f"{label}:as is", seed)
    offset, chunk_id = rng.choice(found)
    after, layout = _SIZE_FIELDS.get(seed[:4], (4, "<I"))
    value = rng.choice(EDGE_U64 if layout.endswith("Q") else EDGE_U32 + (len(seed), len(seed) - offset))
    data = bytearray(seed)
    field = struct.pack(layout, value)
    data[offset + after:offset + after + len(field)] = field
    return Mutant(f"{label}:{chunk_id.decode('latin-1')}+{after}{layout}={value:#x}", bytes(data[:len(seed)]))


def mutants(count: int, seed: int = 51) -> list[Mutant]:
    """``count`` mutants of the seed files, the same for the same ``seed``."""
    rng = random.Random(seed)
    seeds = [(f"{container}/{subtype}", seed_file(container, subtype)) for container, subtype in SEED_FORMATS]
    return [mutate(data, rng, label) for label, data in (rng.choice(seeds) for _ in range(count))]


def capped(memory_bytes: int):
    """A preexec_fn capping the child's address space and CPU seconds."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    return limit


def run_cli(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout_s: float = 60,
            memory_bytes: int = 3 << 30) -> subprocess.CompletedProcess[str]:
    """``callrec ARGV`` in a child process bounded in time and memory."""
    return subprocess.run([sys.executable, "-m", "worker", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout_s, preexec_fn=capped(memory_bytes),
                          env={**os.environ, **(env or {})})
