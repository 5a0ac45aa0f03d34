import json
import shutil

import pytest

from worker.cli import main
from tests.worker.queue_calls import job_of, write_call


@pytest.fixture
def queue(inprocess_worker, redis_client):
    from worker.queue.records import JobRecords

    def drain():
        for name in ("calls", "recordings", "batch"):
            inprocess_worker.join(name, timeout=20_000)

    return inprocess_worker, JobRecords(inprocess_worker.client), drain


def test_enqueue_a_manifest_then_it_is_processed(queue, tmp_path, capsys):
    broker, status, drain = queue
    manifest = write_call(tmp_path, "CA-ENQ")
    assert main(["enqueue", str(manifest)]) == 0
    job_id, state = capsys.readouterr().out.strip().split("\t")
    assert state == "queued" and job_id.startswith("call-")
    drain()
    assert status.get(job_id).state == "done"
    assert main(["enqueue", str(manifest)]) == 0
    assert capsys.readouterr().out.strip() == f"{job_id}\tdone already"


def test_one_call_under_two_manifest_paths_is_one_job(queue, tmp_path, capsys, monkeypatch):
    broker, status, drain = queue
    monkeypatch.setenv("CALLREC_SOURCE_ROOTS", str(tmp_path))  # b's legs lie in a: enqueue checks sources
    manifest = write_call(tmp_path / "a", "CA-ENQ-TWO")
    copy = tmp_path / "b" / "same-call.json"  # the same call, delivered again under another path
    copy.parent.mkdir()
    data = json.loads(manifest.read_text())  # naming the same legs (from its own directory)
    data["segments"][0]["uri"] = "file:../a/CA-ENQ-TWO.wav"
    copy.write_text(json.dumps(data, indent=2))
    assert main(["enqueue", str(manifest), str(copy)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[0] == lines[1].split("\t")[0]
    # The second is not sent (the session's worker may already have taken the first off
    # the queue, so the queue's length says nothing).
    job_id = lines[0].split("\t")[0]
    assert lines[0] == f"{job_id}\tqueued"
    assert lines[1].split("\t")[1] in ("queued already", "running already", "done already")
    drain()
    assert status.get(job_id).state == "done" and broker.do_qsize("calls") == 0


def test_a_call_taken_is_refused_with_another_manifest_and_nothing_of_it_is_read(queue, tmp_path, capsys):
    """Found by hand (session 53): a call enqueued again naming other legs (uploaded anew elsewhere)
    was "done already", and its new legs stayed, never stored nor destroyed. Refused, exit 2."""
    broker, status, drain = queue
    manifest = write_call(tmp_path / "a", "CA-ENQ-AGAIN")
    assert main(["enqueue", str(manifest)]) == 0
    job_id = capsys.readouterr().out.split("\t")[0]
    drain()
    other = write_call(tmp_path / "b", "CA-ENQ-AGAIN")  # the same call, its leg uploaded anew
    assert main(["enqueue", str(other)]) == 2
    assert capsys.readouterr() == ("", "callrec enqueue: call_id: this call was already taken with another "
                                       "manifest (its job is done); nothing of this one was read or queued\n")
    assert (tmp_path / "b" / "CA-ENQ-AGAIN.wav").is_file() and broker.do_qsize("calls") == 0
    assert status.get(job_id).state == "done"


def test_two_manifests_of_one_call_in_one_invocation_exit_2_before_either_is_queued(queue, tmp_path, capsys):
    """Found by review (session 53): each was compared with Redis only, so the first was queued
    before the second was refused (exit 2 with one of them queued)."""
    broker, status, drain = queue
    first = write_call(tmp_path / "a", "CA-ENQ-BOTH")
    other = write_call(tmp_path / "b", "CA-ENQ-BOTH")  # the same call, naming other legs
    assert main(["enqueue", str(first), str(other)]) == 2
    assert capsys.readouterr() == ("", "callrec enqueue: call_id: manifests 1 and 2 are of one call, with other "
                                       "contents; nothing was queued\n")
    assert status.get(job_of(first).job_id) is None and broker.do_qsize("calls") == 0
    assert (tmp_path / "a" / "CA-ENQ-BOTH.wav").is_file() and (tmp_path / "b" / "CA-ENQ-BOTH.wav").is_file()


def test_bad_manifest_exits_2_and_enqueues_nothing(queue, tmp_path, capsys):
    broker, status, drain = queue
    manifest = write_call(tmp_path, "CA-ENQ-BAD")
    data = json.loads(manifest.read_text())
    data["events"][0]["end"] = -1.0
    manifest.write_text(json.dumps(data))
    assert main(["enqueue", str(manifest)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "events[0]" in captured.err
    # No record of this call's job (the session's worker may still be writing an earlier
    # test's record after the flush, so other keys say nothing).
    assert broker.client.keys(f"callrec:job:{job_of(manifest).job_id}*") == []
    assert broker.do_qsize("calls") == 0


def test_nothing_to_enqueue_is_bad_usage(queue, capsys):
    assert main(["enqueue"]) == 2
    assert "nothing to enqueue" in capsys.readouterr().err


def test_manifests_and_recording_options_do_not_mix(queue, tmp_path, capsys):
    manifest = write_call(tmp_path, "CA-MIX")
    assert main(["enqueue", str(manifest), "--redact", "rec_us_0123456789abcdef0123456789abcdef"]) == 2
    assert "give manifests or one of" in capsys.readouterr().err


def test_ticket_deletion_needs_the_account(queue, capsys):
    assert main(["enqueue", "--delete-ticket", "T-500"]) == 2
    assert "--delete-ticket needs --account" in capsys.readouterr().err


@pytest.mark.parametrize("reason", ["card 4111111111111111", "customer\nrequest", "x" * 201, "request #2"])
def test_delete_reason_with_digits_is_refused(queue, capsys, reason):
    """Session 53: the refusal read "delete job: reason is not a valid reference", naming neither the
    option nor what a reason may hold; it is worded as the API's (``DELETE ...?reason=``)."""
    code = main(["enqueue", "--delete", "rec_us_0123456789abcdef0123456789abcdef", "--reason", reason])
    assert code == 2
    assert capsys.readouterr().err == ("callrec enqueue: --reason: letters, spaces and , . _ ' - only (no digits), "
                                       "at most 200 characters\n")


def test_enqueue_redact_of_a_stored_recording(queue, tmp_path, capsys):
    from tests.worker.conftest import queue_backends as backends
    from tests.worker.stored_recordings import store_recordings

    broker, status, drain = queue
    rid, = store_recordings(backends().vault.region("us"), "addon", 1)
    assert main(["enqueue", "--redact", rid]) == 0
    job_id = capsys.readouterr().out.split("\t")[0]
    drain()
    assert status.get(job_id).state == "done"
    assert status.get(job_id).result["redacted"] == "yes"
    assert backends().vault.get(rid).redacted


def test_enqueue_redact_of_a_recording_past_its_retention_window_is_refused(queue, capsys):
    """Found by the red team (session 53): re-redaction past the window was taken (the API's too).
    Refused as the API refuses it, audited, nothing enqueued; the other recordings neither."""
    from tests.worker.conftest import queue_backends as backends
    from tests.worker.stored_recordings import store_recordings

    broker, status, drain = queue
    region_vault = backends().vault.region("us")
    old, = store_recordings(region_vault, "lapsed", 1)  # stored 2026-01-01
    fresh, = store_recordings(region_vault, "kept", 1)
    region_vault.set_policy("lapsed", 30)
    try:
        assert main(["enqueue", "--redact", fresh, old]) == 2
    finally:
        region_vault.set_policy("lapsed", None)
    assert capsys.readouterr() == ("", f"callrec enqueue: --redact: recording {old} is past its retention window; "
                                       "the next sweep deletes it\n")
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in region_vault.audit_events(old)]
    assert trail[-1] == ("redact", "refused", "operator", "recording is past its retention window")
    assert broker.client.keys("callrec:job:*") == [] and broker.do_qsize("recordings") == 0


def test_enqueue_delete_ticket_and_retention_sweep(queue, capsys):
    from tests.worker.conftest import queue_backends as backends
    from tests.worker.stored_recordings import store_recordings

    broker, status, drain = queue
    region = backends().vault.region("us")
    rid, = store_recordings(region, "ticketed", 1, first=500)  # ticket T-500
    assert main(["enqueue", "--delete-ticket", "T-500", "--account", "ticketed", "--reason", "customer request"]) == 0
    delete_id = capsys.readouterr().out.split("\t")[0]
    assert main(["enqueue", "--retention-sweep"]) == 0
    sweep_id = capsys.readouterr().out.split("\t")[0]
    assert delete_id.startswith("delete-") and sweep_id.startswith("sweep-")
    drain()
    assert status.get(delete_id).result == {"recordings": "1", "deleted": "1", "already_deleted": "0",
                                               "reclaimed": "0"}
    assert region.get(rid).tombstone.reason == "customer request"
    assert status.get(sweep_id).state == "done"


def test_a_made_up_recording_id_is_refused_naming_its_option(queue, capsys):
    good = "rec_us_0123456789abcdef0123456789abcdef"
    assert main(["enqueue", "--delete", good, "--delete", "rec_us_4111111111111111abcdefabcdefabcd"]) == 2
    err = capsys.readouterr().err
    assert "--delete: not a recording id: it holds a run of 12 or more digits" in err and "4111" not in err
    assert main(["enqueue", "--redact", "rec_us_000000000000aaaaaaaaaaaaaaaaaaaa"]) == 2
    assert "--redact: not a recording id" in capsys.readouterr().err


@pytest.mark.parametrize("account", ["4111.1111.1111.1111", "a:4111+1111+1111+1111", "4111-1111-1111-1111"],
                         ids=["dots", "prefixed-pluses", "dashes"])
def test_an_account_id_with_a_card_number_joined_by_separators_is_refused(account, capsys):
    import argparse

    from worker.cli.checks import reference

    with pytest.raises(argparse.ArgumentTypeError) as info:
        reference(account)
    assert str(info.value) == ("could hold a card number (12+ digits in a row, or 13-19 digits across "
                               "separators that pass the Luhn check)")


def test_a_help_desk_ticket_id_is_taken_by_enqueue_delete(queue, capsys):
    from worker.cli.checks import reference, references

    assert reference("INC-2026-12-01-000123") == "INC-2026-12-01-000123"
    assert references("INC-2026-12-01-000123,CS-20261201-000123") == "INC-2026-12-01-000123,CS-20261201-000123"
    assert main(["enqueue", "--delete-ticket", "INC-2026-12-01-000123", "--account", "acme"]) == 0
    job_id, state = capsys.readouterr().out.strip().split("\t")
    assert job_id.startswith("delete-") and state == "queued"


def test_a_manifest_the_api_keeps_is_not_enqueued_by_path(queue, capsys):
    # the API's kept manifests are sealed for their job: enqueueing one by its path would
    # fail as "not JSON"; the error says how that job runs again instead
    from worker.calls.kept import manifest_path
    from worker.settings import Settings

    path = manifest_path(Settings.from_env().data_dir, "enqueue-kept", "CA-KEPT")
    path.parent.mkdir(parents=True)
    try:
        path.write_bytes(b"callrec-kept-manifest/1 us\n\x01sealed")
        assert main(["enqueue", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert str(path) in captured.err and "callrec jobs retry" in captured.err
        assert path.exists()  # the API's file, left as it is
    finally:
        shutil.rmtree(path.parent)


@pytest.mark.parametrize("folder", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111.1111.1111.1111"])
def test_a_manifest_path_holding_a_card_number_is_refused_before_redis(queue, tmp_path, capsys, folder):
    """The path travels in the queue message and stays in the job's record: a card number in
    it would sit in Redis for 30 days. Refused (exit 2), judged as call ids and source names
    are (a number standing apart), the path not echoed."""
    broker, status, drain = queue
    manifest = write_call(tmp_path / folder, "CA-ENQ-PAN")
    assert main(["enqueue", str(manifest)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "manifest path" in captured.err and "could hold a card number" in captured.err
    assert "1111" not in captured.err
    from worker.queue.jobs import ProcessCall
    job_id = ProcessCall.for_call("/elsewhere/manifest.json", "acme", "CA-ENQ-PAN").job_id
    assert json.loads(manifest.read_text())["account"]["id"] == "acme"
    assert broker.client.keys(f"callrec:job:{job_id}*") == []
    assert broker.do_qsize("calls") == 0


def test_a_manifest_path_of_platform_numbers_is_taken(queue, tmp_path, capsys):
    """Asterisk's <epoch>.<counter> and a date-and-serial folder whose digits pass no Luhn
    check are no card numbers (one whose digits do, 2026-12-01-000126, is refused: it could be)."""
    broker, status, drain = queue
    manifest = write_call(tmp_path / "1733040000.123" / "2026-12-01-000123", "CA-ENQ-AST")
    assert main(["enqueue", str(manifest)]) == 0
    drain()


def test_a_failed_call_enqueued_again_from_a_corrected_manifest_runs_it(queue, tmp_path, capsys):
    """Found by the session-47 audit: a call's job id is its account and call, so enqueuing the
    corrected manifest printed "failed already (callrec jobs retry)", and ``jobs retry`` ran the
    old manifest again. A failed call enqueued from another manifest path runs that one (as the
    HTTP API runs a failed call sent again); from the same path, ``jobs retry`` is still the way."""
    broker, status, drain = queue
    broken = write_call(tmp_path / "a", "CA-FIXED")
    for leg in broken.parent.glob("*.wav"):
        leg.unlink()  # its legs never arrived
    assert main(["enqueue", str(broken)]) == 0
    job_id = capsys.readouterr().out.strip().split("\t")[0]
    drain()
    assert status.get(job_id).state == "failed"
    assert main(["enqueue", str(broken)]) == 0
    assert capsys.readouterr().out.strip() == f"{job_id}\tfailed already (callrec jobs retry)"
    fixed = write_call(tmp_path / "b", "CA-FIXED")
    assert main(["enqueue", str(fixed)]) == 0
    assert capsys.readouterr().out.strip() == f"{job_id}\tqueued again (it had failed with another manifest)"
    drain()
    assert status.get(job_id).state == "done"
    assert json.loads(status.get(job_id).job)["manifest_uri"] == str(fixed.resolve())


def test_a_manifest_past_the_limits_is_refused_before_the_queue(redis_client, tmp_path, capsys, monkeypatch):
    """Session 58: enqueue parsed a manifest but left its limits to the worker, where its job
    failed; refused as `process` refuses it (exit 2, naming the field), nothing queued."""
    monkeypatch.setenv("CALLREC_MAX_EVENTS", "1")
    manifest = write_call(tmp_path, "CA-ENQ-LIMITS")
    data = json.loads(manifest.read_text())
    data["events"] = data["events"] * 2
    manifest.write_text(json.dumps(data))
    assert main(["enqueue", str(manifest)]) == 2
    assert capsys.readouterr().err == ("callrec enqueue: events: 2 given, more than the 1 allowed "
                                       "(CALLREC_MAX_EVENTS)\n")
    assert not redis_client.keys("callrec:*")
