"""Where masking by speaker and masking every channel part: TUNE calls redacted both ways, call by call.

    python -m tools.evalcalls.compare_channels [--voices ...] [--seeds 269,270] [--script gen] [--harmless]
                                               [--jobs 2] [--details out.jsonl] [--echo-db E]

Each call is made a dual-channel recording (``calls.dual_channel``) and goes through
``redaction.engine.redact_array`` twice with the product's default recognizer and settings (one
model per process; each pass restarts Whisper's sampling): with ``CALLREC_MASK_CHANNELS=all``
(every channel masked alike, the default) and ``speaker`` (each party's data on their channel),
scored on each unit's speaker's channel. Pass 1 hears the same mix both ways (the mono call is
not that mix: where the two parties' sum passes full scale the mix goes through the limiter, and
Whisper's words differ, so mono against ``speaker`` compares two hearings, not the setting).
``--details`` gets a line per call: both runs' verification rounds and, for every sensitive unit
one run leaves audible and the other masks, the detections that masked it (pass 1 or
verification, entity, channel); the summary counts such units by the run that lost them and
the pass that masked them in the other. ``--echo-db``: each party echoed on the other's channel
(``calls.dual_channel``), card data then masked only where every channel masks it
(``scoring.score``'s ``echoed``). TUNE voices only (``splits.py``): held-out calls are the bench's.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.evalcalls.calls import CHANNEL_OF_ROLE, EvalCall, dual_channel, make_call  # noqa: E402
from tools.evalcalls.diagnose import add_call_arguments, tune_items  # noqa: E402
from tools.evalcalls.scoring import MASKED_SHARE, heard_share, score  # noqa: E402
from tools.evalcalls.voices import RATE_HZ  # noqa: E402
from tools.evalcalls.wording import NAMES  # noqa: E402


def _run(audio, recognizer, config):  # noqa: ANN001, ANN202
    """(the report of one redaction, pass 1's detections, failed); verification off when it
    fails: what pass 1 did."""
    from dataclasses import replace  # noqa: PLC0415

    from redaction import engine  # noqa: PLC0415

    pass1: list = []
    verify = engine._mask_and_verify  # noqa: SLF001 (a measuring tool: pass 1's findings as the engine has them)

    def kept(findings, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        pass1[:] = findings.detections
        return verify(findings, *args, **kwargs)

    engine._mask_and_verify = kept  # noqa: SLF001
    try:
        try:
            return engine.redact_array(audio, RATE_HZ, recognizer=recognizer, config=config)[1], pass1, False
        except Exception:  # noqa: BLE001 (a failed call)
            report = engine.redact_array(audio, RATE_HZ, recognizer=recognizer, config=replace(config, verify=False))[1]
            return report, pass1, True
    finally:
        engine._mask_and_verify = verify  # noqa: SLF001


def _by_role(report) -> dict[str, list[tuple[float, float]]]:  # noqa: ANN001
    by_channel = report.masked_by_channel or (report.masked, report.masked)
    return {role: [tuple(m) for m in by_channel[channel]] for role, channel in CHANNEL_OF_ROLE.items()}


def _detections(report, pass1: list, a: float, b: float) -> list[dict]:  # noqa: ANN001
    """The report's detections overlapping ``a``-``b``, each with the pass that found it."""
    return [{"pass": 1 if d in pass1 else "verification", "entity": d.entity, "channel": d.channel,
             "start_s": round(d.start_s, 2), "end_s": round(d.end_s, 2)}
            for d in report.spans if d.start_s < b and d.end_s > a]


def _verification(report) -> dict | None:  # noqa: ANN001
    v = report.verification
    return None if v is None else {"rounds": v.rounds, "added": v.spans_added, "whole": v.regions_masked_whole}


def compare_call(call: EvalCall, recognizer, config, echo_db: float | None = None) -> dict:  # noqa: ANN001
    """Both runs of ``call`` (module docstring): digits masked each way, other speech, and the
    units masked by one run only."""
    from dataclasses import replace  # noqa: PLC0415

    audio = dual_channel(call, echo_db)
    every, all1, all_failed = _run(audio, recognizer, replace(config, mask_channels="all"))
    split, speaker1, speaker_failed = _run(audio, recognizer, replace(config, mask_channels="speaker"))
    all_s = _by_role(every)
    speaker_s = _by_role(split)
    out = {"call": call.name, "voice": call.voice, "kind": call.kind, "failed": [all_failed, speaker_failed],
           "verification": [_verification(every), _verification(split)], "apart": []}
    echoed = echo_db is not None
    for name, masked in (("all", all_s), ("speaker", speaker_s)):
        s = score(call, masked, echoed=echoed)
        out[name] = {"digits": s.digits, "masked": s.digits_masked, "speech_masked_s": s.speech_masked_s,
                     "speech_s": s.speech_s, "leaky": s.leaky_cards}
    for span in call.spans:
        if not span.sensitive:
            continue
        a, b = span.start / RATE_HZ, span.end / RATE_HZ
        shares = [heard_share(span, masks, echoed) for masks in (all_s, speaker_s)]
        kept = [share >= MASKED_SHARE for share in shares]
        if kept[0] == kept[1]:
            continue
        found = _detections(every, all1, a, b) if kept[0] else _detections(split, speaker1, a, b)
        out["apart"].append({
            "call": call.name, "kind": span.kind, "digits": span.digits, "role": span.role,
            "lost_by": "speaker" if kept[0] else "all", "start_s": round(a, 2), "end_s": round(b, 2),
            "shares": [round(x, 2) for x in shares],
            "masked_in": "pass 1" if any(d["pass"] == 1 for d in found) else "verification",
            "all": _detections(every, all1, a - 1, b + 1), "speaker": _detections(split, speaker1, a - 1, b + 1)})
    return out


_STATE: dict = {}


def _one(job: tuple) -> dict:
    item, echo_db = job
    if not _STATE:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from worker.calls.recognizers import make_recognizer  # noqa: PLC0415
        from worker.calls.redacting import config_from  # noqa: PLC0415
        from worker.settings import Settings  # noqa: PLC0415

        settings = Settings.from_env({})
        _STATE.update(recognizer=make_recognizer(settings), config=config_from(settings))
    voice, kind, seed, index, script = item
    return compare_call(make_call(voice, kind, seed, index, script=script), _STATE["recognizer"], _STATE["config"],
                        echo_db)


def summarise(results: list[dict]) -> str:
    lines = []
    for name in ("all", "speaker"):
        card = [r[name] for r in results if r["kind"] == "card"]
        harmless = [r[name] for r in results if r["kind"] == "harmless"]

        def share(group: list[dict]) -> float:
            return sum(g["speech_masked_s"] for g in group) / max(sum(g["speech_s"] for g in group), 1e-9)

        lines.append(f"{name}: {sum(g['masked'] for g in card)}/{sum(g['digits'] for g in card)} digits, "
                     f"{sum(g['leaky'] for g in card)}/{len(card)} leaky, other speech {share(card):.2%}, "
                     f"harmless {share(harmless):.2%}, failing {sum(r['failed'][name == 'speaker'] for r in results)}")
    apart = Counter()
    for r in results:
        for u in r["apart"]:
            apart[(u["lost_by"], u["masked_in"], u["kind"])] += u["digits"]
    for (lost_by, masked_in, kind), digits in sorted(apart.items()):
        lines.append(f"lost by {lost_by}, masked by the other in {masked_in}: {kind} {digits} digits")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_call_arguments(ap, "269")
    ap.add_argument("--script", default="dev", choices=sorted(NAMES))
    ap.add_argument("--echo-db", type=float, help="each party also on the other's channel this many dB down")
    ap.add_argument("--details", help="write one JSON line per call here")
    args = ap.parse_args()
    jobs = [(item, args.echo_db) for item in tune_items(args)]
    results = []
    details = open(args.details, "w") if args.details else None  # noqa: SIM115 (written as results come)
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for r in pool.imap(_one, jobs, chunksize=1):
            results.append(r)
            print(f"{r['call']}: all {r['all']['masked']}/{r['all']['digits']} speaker {r['speaker']['masked']}"
                  f"/{r['speaker']['digits']} {r['verification']}", flush=True)
            if details:
                details.write(json.dumps(r) + "\n")
                details.flush()
    if details:
        details.close()
    print(summarise(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
