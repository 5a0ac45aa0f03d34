"""Writes the provider transcript fixtures (shapes from each provider's public API docs).

One short card-payment call, rendered the way each provider writes numbers. Run from the
repository root: ``python tests/redaction/transcripts/make_fixtures.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent / "fixtures"

#: (text, sensitive) per word; sensitive words say card data. Same call, provider renderings.
CALL = {
    "aws": "Can I have the card number please ? Sure , it's *4532 *0151 *1283 *0366 . "
    "And the expiry ? *12/27 . And the security code on the back ? *731 . "
    "Thanks , that takes two minutes .",
    "deepgram": "can i have the card number please sure it's *four *five *three *two *oh *one *five *one "
    "*one *two *eight *three *zero *three *six *six and the expiry *twelve *twenty *seven "
    "and the security code on the back *seven *three *one thanks that takes two minutes",
    "assemblyai": "Can I have the card number please? Sure, it's *4532 *0151 *1283 *0366. And the expiry? "
    "*12/27. And the security code on the back? *731. Thanks, that takes two minutes.",
    "whisper": "Can I have the card number please? Sure, it's *forty-five *thirty-two *oh *one *fifty-one "
    "*twelve *eighty-three *oh *three *double *six. And the expiry? *December *twenty-seven. "
    "And the security code on the back? *seven *three *one. Thanks, that takes two minutes.",
    "simple": "can I have the card number please sure it's *4532 *0151 *1283 *0366 and the expiry "
    "*twelve *twenty-seven and the security code on the back *seven *three *one thanks that takes two minutes",
}

WORD_S, GAP_S = 0.3, 0.05


def words(text: str) -> list[tuple[str, bool, float, float]]:
    """(text, sensitive, start_s, end_s) for each token; punctuation tokens get no time."""
    out, t = [], 1.0
    for token in text.split():
        sensitive = token.startswith("*")
        token = token.lstrip("*")
        if token in {".", ",", "?"}:
            out.append((token, False, -1.0, -1.0))
            continue
        out.append((token, sensitive, round(t, 2), round(t + WORD_S, 2)))
        t += WORD_S + GAP_S
    return out


def aws() -> dict:
    items, text = [], ""
    for i, (token, _, start, end) in enumerate(words(CALL["aws"])):
        if start < 0:
            items.append({"id": i, "type": "punctuation", "alternatives": [{"confidence": "0.0", "content": token}]})
            text += token
        else:
            items.append({"id": i, "start_time": f"{start:.3f}", "end_time": f"{end:.3f}", "type": "pronunciation",
                          "alternatives": [{"confidence": "0.998", "content": token}]})
            text += (" " if text else "") + token
    return {"jobName": "call-CA0001", "accountId": "123456789012", "status": "COMPLETED",
            "results": {"transcripts": [{"transcript": text}], "items": items,
                        "audio_segments": [{"id": 0, "transcript": text, "start_time": "1.000",
                                            "end_time": f"{items[-2]['end_time']}", "items": [it["id"] for it in items]}]}}


def deepgram() -> dict:
    ws = [{"word": token, "start": start, "end": end, "confidence": 0.97, "punctuated_word": token.capitalize()
           if i == 0 else token} for i, (token, _, start, end) in enumerate(words(CALL["deepgram"]))]
    transcript = " ".join(w["punctuated_word"] for w in ws)
    return {"metadata": {"request_id": "a1b2c3d4", "duration": 40.0, "channels": 1, "models": ["nova-2"]},
            "results": {"channels": [{"alternatives": [{"transcript": transcript, "confidence": 0.98, "words": ws,
                                                        "paragraphs": {"transcript": transcript}}]}],
                        "utterances": [{"start": ws[0]["start"], "end": ws[-1]["end"], "confidence": 0.98, "channel": 0,
                                        "transcript": transcript, "words": [dict(w) for w in ws], "speaker": 0,
                                        "id": "u-1"}]}}


def assemblyai() -> dict:
    ws = []
    for token, _, start, end in words(CALL["assemblyai"]):
        if start < 0:
            continue
        ws.append({"text": token, "start": int(start * 1000), "end": int(end * 1000), "confidence": 0.95, "speaker": "A"})
    text = " ".join(w["text"] for w in ws)
    return {"id": "5551722-f677-48a6-9287-39c0aafd9ac1", "status": "completed", "language_code": "en_us",
            "text": text, "words": ws, "utterances": [{"speaker": "A", "text": text, "start": ws[0]["start"],
                                                        "end": ws[-1]["end"], "confidence": 0.95,
                                                        "words": [dict(w) for w in ws]}],
            "confidence": 0.95, "audio_duration": 40, "summary": "Caller gave card " + text}


def whisper() -> dict:
    segments, current = [], []
    for token, _, start, end in words(CALL["whisper"]):
        if start < 0:
            continue
        current.append({"word": " " + token, "start": start, "end": end, "probability": 0.9})
        if token.endswith((".", "?")):
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    segs = [{"id": i, "seek": 0, "start": ws[0]["start"], "end": ws[-1]["end"],
             "text": "".join(w["word"] for w in ws), "tokens": [50364, 1012, 286, 362],
             "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.3, "no_speech_prob": 0.01,
             "words": ws} for i, ws in enumerate(segments)]
    return {"text": "".join(s["text"] for s in segs), "segments": segs, "language": "en"}


def simple() -> str:
    lines = ["# callrec words: start_s end_s word [confidence]"]
    lines += [f"{start:.2f} {end:.2f} {token}" for token, _, start, end in words(CALL["simple"])]
    return "\n".join(lines) + "\n"


def sensitive(name: str) -> list[int]:
    """Indices (as the parser numbers words: punctuation excluded) of the sensitive words."""
    timed = [w for w in words(CALL[name]) if w[2] >= 0]
    return [i for i, w in enumerate(timed) if w[1]]


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, build in (("aws", aws), ("deepgram", deepgram), ("assemblyai", assemblyai), ("whisper", whisper)):
        (HERE / f"{name}.json").write_text(json.dumps(build(), indent=2) + "\n")
    (HERE / "call.simple").write_text(simple())
    (HERE / "sensitive.json").write_text(json.dumps({name: sensitive(name) for name in CALL}, indent=1) + "\n")


if __name__ == "__main__":
    main()
