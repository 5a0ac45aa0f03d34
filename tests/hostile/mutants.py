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


def chunk(chunk_id: bytes, body: bytes, size: int | None = None) -> bytes:
    """A RIFF chunk (its size may lie), padded to an even length."""
    return chunk_id + struct.pack("<I", len(body) if size is None else size) + body + b"\0" * (len(body) & 1)


def riff(*chunks: bytes, size: int | None = None) -> bytes:
    """A RIFF WAVE file of ``chunks`` (its size may lie)."""
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if size is None else size) + body


def lying_wavs() -> dict[str, bytes]:
    """WAVs whose header fields lie, one way each: rates of 0, 1 Hz and 4 GHz, 0 to 65535
    channels and bits, float and companded formats of odd widths, block alignments and byte
    rates of 0, WAVE_FORMAT_EXTENSIBLE with odd sub-formats and sizes, chunks out of order,
    twice or missing, sizes of 0 and 0xFFFFFFFF, metadata chunks claiming 2**31 entries, NaN
    and infinite float samples, RF64 whose ds64 lies."""
    fmt16 = struct.pack("<HHIIHH", 1, 1, RATE_HZ, 2 * RATE_HZ, 2, 16)
    data = b"\x10\x00" * 4000
    nan, inf = (np.full(800, value, np.float32).tobytes() for value in (np.nan, np.inf))
    rf64 = [b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
            + chunk(b"ds64", struct.pack("<QQQI", size, size, size // 2, 0)) + chunk(b"fmt ", fmt16)
            + chunk(b"data", data, size=0xFFFFFFFF) for size in (2**62, 100)]
    return {
        "rate 0": wav(rate_hz=0), "rate 1": wav(rate_hz=1), "rate 4G": wav(rate_hz=0xFFFFFFFF),
        "rate 2G": wav(rate_hz=0x80000000), "0 channels": wav(channels=0), "3 channels": wav(channels=3, data=bytes(4800)),
        "9 channels": wav(channels=9, data=bytes(1800)), "65535 channels": wav(channels=0xFFFF),
        "0 bits": wav(bits=0, block_align=2), "1 bit": wav(bits=1, block_align=2), "12 bits": wav(bits=12, block_align=2),
        "20 bits": wav(bits=20, block_align=3, data=bytes(2400)), "64-bit PCM": wav(bits=64, data=bytes(6400)),
        "65535 bits": wav(bits=0xFFFF, block_align=2), "16-bit float": wav(3, bits=16),
        "8-bit float": wav(3, bits=8, data=bytes(800)), "24-bit float": wav(3, bits=24, data=bytes(2400)),
        "16-bit A-law": wav(6, bits=16), "16-bit mu-law": wav(7, bits=16), "0-bit mu-law": wav(7, bits=0, block_align=1),
        "NaN samples": wav(3, bits=32, data=nan), "infinite samples": wav(3, bits=32, data=inf),
        "block align 0": wav(block_align=0), "block align 1": wav(block_align=1),
        "block align 65535": wav(block_align=0xFFFF), "byte rate 0": wav(byte_rate=0),
        "extensible, 0 valid bits": extensible(1, valid_bits=0), "extensible, 32 valid of 16": extensible(1, valid_bits=32),
        "extensible 16-bit float": extensible(3), "extensible A-law": extensible(6), "extensible MP3": extensible(0x55),
        "extensible unknown": extensible(0xBEEF), "extensible all speakers": extensible(1, mask=0xFFFFFFFF, channels=2,
                                                                                       data=bytes(3200)),
        "extensible 0 channels": extensible(1, channels=0), "extensible cbSize 65535": wav(0xFFFE, extra=b"\xff\xff"),
        "extensible cut short": wav(0xFFFE, extra=struct.pack("<H", 22)),
        "fmt after data": riff(chunk(b"data", data), chunk(b"fmt ", fmt16)), "no fmt": riff(chunk(b"data", data)),
        "no data": riff(chunk(b"fmt ", fmt16)),
        "two fmt": riff(chunk(b"fmt ", fmt16), chunk(b"fmt ", struct.pack("<HHIIHH", 1, 2, 48000, 192000, 4, 16)),
                        chunk(b"data", data)),
        "two data": riff(chunk(b"fmt ", fmt16), chunk(b"data", data), chunk(b"data", data * 3)),
        "fmt of 2 GB": riff(chunk(b"fmt ", fmt16, size=0x7FFFFFF0), chunk(b"data", data)),
        "fmt of 0 bytes": riff(chunk(b"fmt ", b""), chunk(b"data", data)),
        "RIFF size 0": riff(chunk(b"fmt ", fmt16), chunk(b"data", data), size=0),
        "RIFF size 4": riff(chunk(b"fmt ", fmt16), chunk(b"data", data), size=4),
        "data size 0xFFFFFFFF": riff(chunk(b"fmt ", fmt16), chunk(b"data", data, size=0xFFFFFFFF)),
        "data cut mid-sample": riff(chunk(b"fmt ", fmt16), chunk(b"data", data[:7999])),
        "2**31 cue points": riff(chunk(b"fmt ", fmt16), chunk(b"cue ", struct.pack("<I", 0x7FFFFFFF)), chunk(b"data", data)),
        "2**31 sampler loops": riff(chunk(b"fmt ", fmt16), chunk(b"smpl", struct.pack("<9I", *[0] * 7, 0x7FFFFFFF, 0)),
                                    chunk(b"data", data)),
        "LIST entry of 4 GB": riff(chunk(b"fmt ", fmt16), chunk(b"LIST", b"INFOINAM" + struct.pack("<I", 0xFFFFFFF0)),
                                   chunk(b"data", data)),
        "RF64 ds64 of 2**62": rf64[0], "RF64 ds64 of 100": rf64[1],
    }


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
