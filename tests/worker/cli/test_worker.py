"""``callrec worker`` argument checks (a real run is in tests/worker/test_crash.py)."""

import pytest

from worker.cli import main


@pytest.mark.parametrize("argv, message", [
    (["worker", "--processes", "0"], "'0' must be at least 1"),
    (["worker", "--threads", "many"], "'many' is not a whole number"),
])
def test_bad_counts_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_unknown_queue_exits_2(capsys):
    assert main(["worker", "--queues", "calls", "urgent"]) == 2
    assert "--queues: 'urgent' is not one of calls, recordings, batch" in capsys.readouterr().err
