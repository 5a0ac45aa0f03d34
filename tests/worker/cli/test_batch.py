"""``callrec batch``: 200 recordings to 100 %, then a second run that does nothing."""

import re

import pytest

from worker.cli import main
from tests.worker.stored import store_recordings


@pytest.fixture
def bulk(inprocess_worker, redis_client):
    from worker.effects import vault

    region = vault().region("us")
    ids = store_recordings(region, "bulk", 200)
    new_version = region.keys.rotate()
    return ids, new_version, region


def test_batch_of_200_reaches_100_percent_and_a_rerun_does_nothing(bulk, capsys):
    ids, new_version, region = bulk
    assert main(["batch", "--account", "bulk", "--steps", "rewrap"]) == 0
    err = capsys.readouterr().err
    first_line, *bars = err.strip().splitlines()
    assert re.fullmatch(r"batch b[0-9a-f]{15}: 200 recording\(s\) of bulk, 0 at target already, "
                        r"200 queued, 0 in flight", first_line)
    assert "100.0%  200/200 done  0 failed" in bars[-1] and bars[-1].endswith("ETA 0:00:00")
    assert all(region.get(rid).key_versions() == (new_version,) for rid in ids)

    assert main(["batch", "--account", "bulk", "--steps", "rewrap"]) == 0
    err = capsys.readouterr().err
    first_line, *bars = err.strip().splitlines()
    assert first_line.endswith("200 recording(s) of bulk, 200 at target already, 0 queued, 0 in flight")
    assert bars == [bars[0]] and "100.0%  200/200 done  0 failed" in bars[0]


def test_bad_steps_are_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["batch", "--account", "bulk", "--steps", "redact,encrypt"])
    assert info.value.code == 2
    assert "steps: 'encrypt' is not one of redact, rewrap, retention" in capsys.readouterr().err
