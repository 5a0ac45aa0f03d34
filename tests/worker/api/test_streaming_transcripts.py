"""A call submitted over HTTP with an AssemblyAI Universal-Streaming session (JSON lines) as
its transcript: read, its card masked and served redacted in its own shape; a misspelt
format is refused naming the field; an unreadable session falls back, named in the metadata."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.worker.api.conftest import sample_manifest
from tests.worker.api.jobs import wait_done

WHO = {"as": "agent:ann", "tickets": "T-1009"}
#: The card data 09-card-spoken says (its transcript's words).
CARD = ("4532", "0151", "1283", "0366", "12/27", "731")


def submit(api, headers, data):
    return api.post("/v1/calls", content=json.dumps(data), headers={**headers, "Content-Type": "application/json"})


def session_of(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """The sample's Amazon words said again as a streaming session: a turn a sentence, each as
    a partial message (its last word not yet final), its end, and its end formatted."""
    sentences: list[list[dict[str, Any]]] = [[]]
    for item in aws["results"]["items"]:
        content = item["alternatives"][0]["content"]
        if item["type"] == "punctuation":
            sentences[-1][-1]["text"] += content
            if content in ".?!":
                sentences.append([])
            continue
        sentences[-1].append({"start": round(float(item["start_time"]) * 1000), "end": round(float(item["end_time"]) * 1000),
                              "text": content, "confidence": 0.9, "word_is_final": True})
    messages: list[dict[str, Any]] = [{"type": "Begin", "id": "s-1", "expires_at": 1759796682}]
    for order, words in enumerate(s for s in sentences if s):
        plain = [dict(w, text=w["text"].rstrip(".?!,").lower()) for w in words]
        partial = [dict(w, word_is_final=k < len(plain) - 1) for k, w in enumerate(plain)]
        for formatted, end, listed in ((False, False, partial), (False, True, plain), (True, True, words)):
            messages.append({"type": "Turn", "turn_order": order, "turn_is_formatted": formatted, "end_of_turn": end,
                             "transcript": " ".join(w["text"] for w in listed if w["word_is_final"]),
                             "end_of_turn_confidence": 0.9, "words": listed, "utterance": ""})
    return messages


def with_session(inbox, data: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    directory = data["segments"][0]["uri"].removeprefix("file:").split("/")[0]
    (inbox / directory / "session.jsonl").write_text("".join(json.dumps(m) + "\n" for m in messages))
    data["transcript"] = {"uri": f"file:{directory}/session.jsonl", "format": "assemblyai-streaming", "clock": "call"}
    return data


def test_streaming_session_is_read_masked_and_served_redacted_as_json_lines(api, acme, inbox, worker_process):
    data = sample_manifest(inbox, "09-card-spoken", call_id=f"CA-aai-{uuid.uuid4().hex[:8]}")
    aws = json.loads((inbox / data["transcript"]["uri"].removeprefix("file:")).read_text())
    with_session(inbox, data, session_of(aws))
    misspelt = json.loads(json.dumps(data))
    misspelt["transcript"]["format"] = "assemblyai-stream"
    refused = submit(api, acme, misspelt)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "transcript.format"
    rid = wait_done(api, acme, submit(api, acme, data).json()["job_id"], worker=worker_process)["result"]["recording_id"]
    meta = api.get(f"/v1/recordings/{rid}", headers=acme).json()
    assert meta["transcript"] == {"format": "assemblyai-streaming", "fallback": None, "problem": None,
                                  "removed_fields": []}
    assert any(span["detector"] == "transcript:assemblyai-streaming" for span in meta["redaction"]["spans"])
    served = api.get(f"/v1/recordings/{rid}/transcript", headers=acme, params=WHO)
    assert served.status_code == 200
    messages = [json.loads(line) for line in served.text.splitlines()]
    assert messages[0]["type"] == "Begin" and len(messages) == len(session_of(aws))
    texts = [m["transcript"] for m in messages[1:]] + [w["text"] for m in messages[1:] for w in m["words"]]
    assert "Thank you for calling." in texts
    for digits in CARD:
        assert not any(digits in text for text in texts)


def test_unreadable_session_falls_back_and_the_metadata_names_the_field(api, acme, inbox, worker_process):
    data = sample_manifest(inbox, "09-card-spoken", call_id=f"CA-aai-{uuid.uuid4().hex[:8]}")
    aws = json.loads((inbox / data["transcript"]["uri"].removeprefix("file:")).read_text())
    messages = session_of(aws)
    del messages[2]["words"][0]["word_is_final"]
    with_session(inbox, data, messages)
    rid = wait_done(api, acme, submit(api, acme, data).json()["job_id"], worker=worker_process)["result"]["recording_id"]
    use = api.get(f"/v1/recordings/{rid}", headers=acme).json()["transcript"]
    assert use["format"] is None and use["fallback"] is not None
    assert use["problem"] == ("transcript session.jsonl: assemblyai-streaming transcript: line 3: words[0] has no "
                              "'word_is_final' field")
