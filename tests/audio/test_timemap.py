import pytest

from audio.timemap import Piece, TimeMap

# Beep 0-0.5, call 40-120 kept, 150-200 kept, 215-250 kept (recording starts 0.5).
MAP = TimeMap((Piece(40.0, 120.0, 0.5), Piece(150.0, 200.0, 80.5), Piece(215.0, 250.0, 131.0)))


@pytest.mark.parametrize("call_s,recording_s", [
    (40.0, 0.5), (41.25, 1.75), (119.0, 79.5), (120.0, 80.5), (150.0, 80.5),
    (199.5, 130.0), (215.0, 131.0), (250.0, 166.0),
    (0.0, None), (39.99, None), (130.0, None), (210.0, None), (250.01, None),
])
def test_call_to_recording(call_s, recording_s):
    assert MAP.to_recording_s(call_s) == recording_s


@pytest.mark.parametrize("recording_s,call_s", [
    (0.0, None), (0.25, None), (0.5, 40.0), (1.75, 41.25), (80.5, 150.0), (80.25, 119.75),
    (130.75, None), (131.0, 215.0), (166.0, 250.0), (166.5, None),
])
def test_recording_to_call(recording_s, call_s):
    assert MAP.to_call_s(recording_s) == call_s


def test_round_trip_on_kept_time():
    for tenth in range(400, 2500):
        call_s = tenth / 10
        recording_s = MAP.to_recording_s(call_s)
        if recording_s is not None and call_s not in (120.0,):
            assert MAP.to_call_s(recording_s) == pytest.approx(call_s)


def test_spans_between_clocks():
    assert MAP.call_span_to_recording(100.0, 160.0) == ((60.5, 80.5), (80.5, 90.5))
    assert MAP.call_span_to_recording(0.0, 30.0) == ()
    assert MAP.recording_span_to_call(0.0, 1.0) == ((40.0, 40.5),)


def test_dict_round_trip():
    data = MAP.to_dict()
    assert data["pieces"][1] == {"call_start_s": 150.0, "call_end_s": 200.0, "recording_start_s": 80.5}
    assert TimeMap.from_dict(data) == MAP
    assert MAP.recorded_call_s == 165.0


def test_gap_in_recording_is_an_inserted_tone():
    with_resume_beep = TimeMap((Piece(0.0, 10.0, 0.5), Piece(20.0, 30.0, 11.0)))
    assert with_resume_beep.to_call_s(10.75) is None
    assert with_resume_beep.to_recording_s(20.0) == 11.0


@pytest.mark.parametrize("pieces,problem", [
    ((Piece(10.0, 10.0, 0.0),), "pieces\\[0\\] is empty"),
    ((Piece(0.0, 10.0, 0.0), Piece(5.0, 20.0, 10.0)), "pieces\\[1\\] overlaps"),
    ((Piece(0.0, 10.0, 5.0), Piece(20.0, 30.0, 10.0)), "pieces\\[1\\] overlaps"),
])
def test_malformed_maps_are_refused(pieces, problem):
    with pytest.raises(ValueError, match=problem):
        TimeMap(pieces)


@pytest.mark.parametrize("data", [{"segments": []}, {"pieces": [{"call_start_s": 1.0}]}, {"pieces": 3}])
def test_malformed_dicts_are_refused(data):
    with pytest.raises(ValueError, match="not a time map"):
        TimeMap.from_dict(data)
