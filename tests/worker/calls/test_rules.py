from pathlib import Path

import pytest

from audio.assembly import Insert, Keep
from worker.errors import ManifestError
from worker.calls.manifest import parse_manifest
from worker.calls.rules import Cut, plan_recording
from tests.worker.examples import design_example


def manifest(events=None, controls=(), plan="professional", pause_behavior="silence",
             recording=True, consent_mode="none", consent="none"):
    data = design_example(plan=plan, pause_behavior=pause_behavior)
    if events is not None:
        data["events"] = [{"type": t, "start": a, "end": b} for t, a, b in events]
        data["segments"] = [{"uri": "file:legs/a.wav", "start": 0.0}]
    data["controls"] = [{"action": action, "at": at} for action, at in controls]
    data["number"].update(recording=recording, consent_mode=consent_mode)
    data["consent"] = consent
    return parse_manifest(data, Path("/calls"))


DESIGN_CONTROLS = (("pause", 200.0), ("resume", 215.0))
DESIGN_CUTS = (Cut(0.0, 12.0, "ivr"), Cut(12.0, 40.0, "queue"), Cut(120.0, 150.0, "hold"),
               Cut(250.0, 270.0, "consultation"))


def test_design_example_with_silence():
    plan = plan_recording(manifest(controls=DESIGN_CONTROLS))
    assert plan.recorded and plan.reason is None and plan.call_duration_s == 390.0
    assert plan.cuts == DESIGN_CUTS
    assert plan.silenced == (Cut(200.0, 215.0, "paused"),)
    assert plan.timeline == (Insert("start"), Keep(40.0, 120.0), Keep(150.0, 200.0),
                             Keep(200.0, 215.0, silent=True), Keep(215.0, 250.0), Keep(270.0, 390.0))
    kept = sum(k.call_end_s - k.call_start_s for k in plan.timeline if isinstance(k, Keep))
    assert kept == 300.0


def test_design_example_with_skip():
    plan = plan_recording(manifest(controls=DESIGN_CONTROLS, pause_behavior="skip"))
    assert plan.cuts == DESIGN_CUTS[:3] + (Cut(200.0, 215.0, "paused"),) + DESIGN_CUTS[3:]
    assert plan.silenced == ()
    assert plan.timeline == (Insert("start"), Keep(40.0, 120.0), Keep(150.0, 200.0),
                             Keep(215.0, 250.0), Keep(270.0, 390.0))


@pytest.mark.parametrize("behavior,expected", [
    ("skip", (Insert("start"), Keep(40.0, 120.0), Keep(150.0, 200.0), Insert("resume"),
              Keep(215.0, 250.0), Keep(270.0, 390.0))),
    ("silence", (Insert("start"), Keep(40.0, 120.0), Keep(150.0, 200.0),
                 Keep(200.0, 215.0, silent=True), Insert("resume"), Keep(215.0, 250.0),
                 Keep(270.0, 390.0))),
])
def test_beep_on_resume(behavior, expected):
    plan = plan_recording(manifest(controls=DESIGN_CONTROLS, pause_behavior=behavior), beep_on_resume=True)
    assert plan.timeline == expected


def test_resume_inside_kept_time_splits_it():
    plan = plan_recording(manifest(events=[("agent", 0.0, 60.0)],
                                   controls=(("pause", 10.0), ("resume", 20.0), ("pause", 30.0),
                                             ("resume", 30.0))), beep_on_resume=True)
    assert plan.timeline == (Insert("start"), Keep(0.0, 10.0), Keep(10.0, 20.0, silent=True),
                             Insert("resume"), Keep(20.0, 60.0))


def test_resume_inside_a_hold_beeps_where_recording_resumes():
    plan = plan_recording(manifest(events=[("agent", 0.0, 60.0), ("hold", 20.0, 40.0)],
                                   controls=(("pause", 10.0), ("resume", 30.0)),
                                   pause_behavior="skip"), beep_on_resume=True)
    assert plan.cuts == (Cut(10.0, 20.0, "paused"), Cut(20.0, 40.0, "hold"))
    assert plan.timeline == (Insert("start"), Keep(0.0, 10.0), Insert("resume"), Keep(40.0, 60.0))


@pytest.mark.parametrize("events,behavior,expected", [
    ([("agent", 0.0, 20.0), ("hold", 8.0, 12.0)], "skip",
     (Insert("start"), Keep(0.0, 5.0), Insert("resume"), Keep(12.0, 20.0))),
    ([("agent", 0.0, 20.0), ("hold", 8.0, 12.0)], "silence",
     (Insert("start"), Keep(0.0, 5.0), Keep(5.0, 8.0, silent=True), Insert("resume"), Keep(12.0, 20.0))),
    ([("agent", 0.0, 20.0), ("hold", 10.0, 12.0)], "skip",
     (Insert("start"), Keep(0.0, 5.0), Insert("resume"), Keep(12.0, 20.0))),
    ([("agent", 0.0, 8.0), ("agent", 12.0, 20.0)], "skip",
     (Insert("start"), Keep(0.0, 5.0), Insert("resume"), Keep(12.0, 20.0))),
], ids=["inside-hold-skip", "inside-hold-silence", "at-hold-start", "between-events"])
def test_resume_where_nothing_is_recorded_beeps_before_the_next_recorded_audio(events, behavior, expected):
    plan = plan_recording(manifest(events=events, controls=(("pause", 5.0), ("resume", 10.0)),
                                   pause_behavior=behavior), beep_on_resume=True)
    assert plan.timeline == expected


def test_resumes_before_the_same_recorded_audio_get_one_beep():
    plan = plan_recording(manifest(events=[("agent", 0.0, 20.0), ("hold", 8.0, 12.0)],
                                   controls=(("pause", 5.0), ("resume", 9.0), ("pause", 10.0), ("resume", 11.0)),
                                   pause_behavior="skip"), beep_on_resume=True)
    assert plan.timeline == (Insert("start"), Keep(0.0, 5.0), Insert("resume"), Keep(12.0, 20.0))


def test_no_resume_beep_where_recording_never_resumes():
    plan = plan_recording(manifest(events=[("agent", 0.0, 20.0), ("hold", 8.0, 20.0)],
                                   controls=(("pause", 5.0), ("resume", 10.0)),
                                   pause_behavior="skip"), beep_on_resume=True)
    assert plan.timeline == (Insert("start"), Keep(0.0, 5.0))


def test_pause_never_resumed_lasts_to_the_end():
    plan = plan_recording(manifest(events=[("agent", 0.0, 60.0)], controls=(("pause", 45.0),),
                                   pause_behavior="skip"))
    assert plan.cuts == (Cut(45.0, 60.0, "paused"),)


def test_not_recorded_event_cuts_recorded_events_it_overlaps():
    plan = plan_recording(manifest(events=[
        ("ivr", 0.0, 10.0), ("agent", 5.0, 50.0), ("hold", 45.0, 70.0),
        ("external_transfer", 60.0, 90.0), ("consultation", 80.0, 100.0), ("hold", 85.0, 88.0),
        ("voicemail", 90.0, 120.0)]))
    assert plan.cuts == (Cut(0.0, 10.0, "ivr"), Cut(45.0, 70.0, "hold"), Cut(80.0, 85.0, "consultation"),
                         Cut(85.0, 88.0, "hold"), Cut(88.0, 100.0, "consultation"))
    assert plan.timeline == (Insert("start"), Keep(10.0, 45.0), Keep(70.0, 80.0), Keep(100.0, 120.0))


@pytest.mark.parametrize("events,timeline,cuts", [
    ([("agent", 0.0, 10.001), ("external_transfer", 10.0, 20.0)], (Insert("start"), Keep(0.0, 20.0)), ()),
    ([("agent", 0.0, 15.0), ("external_transfer", 10.0, 20.0), ("hold", 12.0, 14.0)],
     (Insert("start"), Keep(0.0, 12.0), Keep(14.0, 20.0)), (Cut(12.0, 14.0, "hold"),)),
], ids=["jitter", "conference-with-a-hold"])
def test_overlapping_recorded_events_record_their_union(events, timeline, cuts):
    plan = plan_recording(manifest(events=events))
    assert (plan.timeline, plan.cuts) == (timeline, cuts)


def test_time_without_events_is_not_recorded():
    plan = plan_recording(manifest(events=[("agent", 10.0, 20.0), ("voicemail", 25.0, 30.0)]))
    assert plan.cuts == (Cut(0.0, 10.0, "no_event"), Cut(20.0, 25.0, "no_event"))
    assert plan.timeline == (Insert("start"), Keep(10.0, 20.0), Keep(25.0, 30.0))


def test_ivr_forwarding_to_an_external_number_is_not_recorded():
    plan = plan_recording(manifest(events=[("ivr", 0.0, 20.0), ("ivr_external_forward", 20.0, 80.0)]))
    assert (plan.recorded, plan.reason, plan.timeline) == (False, "no_recorded_time", ())


@pytest.mark.parametrize("consent_mode,consent,reason", [
    ("opt_in", "given", None), ("opt_in", "none", "opt_in_without_consent"),
    ("opt_in", "declined", "opt_in_without_consent"), ("opt_out", "none", None),
    ("opt_out", "given", None), ("opt_out", "declined", "opt_out_declined"),
    ("none", "declined", None),
])
def test_consent_modes(consent_mode, consent, reason):
    plan = plan_recording(manifest(consent_mode=consent_mode, consent=consent))
    assert (plan.recorded, plan.reason) == (reason is None, reason)
    assert (plan.timeline == ()) == (reason is not None)


@pytest.mark.parametrize("plan_name", ["team", "growth", "professional", "enterprise"])
def test_number_switched_off_is_never_recorded(plan_name):
    plan = plan_recording(manifest(plan=plan_name, recording=False))
    assert (plan.recorded, plan.reason, plan.call_duration_s) == (False, "number_recording_off", 390.0)


@pytest.mark.parametrize("plan_name", ["team", "growth"])
def test_plans_that_cannot_pause_refuse_controls(plan_name):
    with pytest.raises(ManifestError, match=rf"^controls: account.plan '{plan_name}' cannot pause or resume recordings \(2 control\(s\) given\)"):
        plan_recording(manifest(plan=plan_name, controls=DESIGN_CONTROLS))


@pytest.mark.parametrize("plan_name", ["team", "growth"])
def test_plans_that_cannot_pause_refuse_consent_modes(plan_name):
    with pytest.raises(ManifestError, match=rf"^number.consent_mode: 'opt_out' needs a professional or enterprise plan; account.plan is '{plan_name}'"):
        plan_recording(manifest(plan=plan_name, consent_mode="opt_out"))


def test_team_plan_without_controls_is_recorded():
    plan = plan_recording(manifest(plan="team"))
    assert plan.recorded and plan.silenced == ()


@pytest.mark.parametrize("controls,message", [
    ((("pause", 50.0), ("pause", 60.0)), r"^controls\[1\]\.action: pause at 60 s while already paused since 50 s"),
    ((("resume", 50.0),), r"^controls\[0\]\.action: resume at 50 s without a pause before it"),
])
def test_control_sequence_errors(controls, message):
    with pytest.raises(ManifestError, match=message):
        plan_recording(manifest(controls=controls))


def test_resume_where_recording_starts_gets_one_beep_not_two():
    plan = plan_recording(manifest(events=[("ivr", 0.0, 20.0), ("agent", 20.0, 60.0)],
                                   controls=(("pause", 5.0), ("resume", 20.0))), beep_on_resume=True)
    assert plan.timeline == (Insert("start"), Keep(20.0, 60.0))


def test_a_recorded_call_without_segments_is_refused():
    """Found by the audit: ``"segments": []`` on a call with recorded time was assembled into a
    recording of the beep and silence, stored as the call's recording: nothing was recorded."""
    data = design_example(plan="professional")
    data["segments"] = []
    with pytest.raises(ManifestError, match=r"^segments: the call has 300 s of recorded time but no segment"):
        plan_recording(parse_manifest(data, Path("/calls")))


@pytest.mark.parametrize("change", [
    lambda d: d["number"].update(recording=False),  # must not be recorded: nothing was
    lambda d: d.update(events=[{"type": "ivr", "start": 0.0, "end": 30.0}]),  # no recorded time
])
def test_a_call_with_nothing_to_record_needs_no_segments(change):
    data = design_example(plan="professional")
    data["segments"], data["controls"] = [], []
    change(data)
    assert not plan_recording(parse_manifest(data, Path("/calls"))).recorded
