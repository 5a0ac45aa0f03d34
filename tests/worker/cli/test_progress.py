import io

from worker.cli.progress import render, watch
from worker.queue.records import BatchProgress


def progress(done, failed=0, total=200):
    return BatchProgress(batch_id="b1", total=total, done=done, failed=failed, started_at=0.0)


def test_render():
    assert render(progress(100, 2), 12.5) == (
        "[###############---------------]  51.0%  100/200 done  2 failed  12.5/s  ETA 0:00:08")
    assert render(progress(0), None) == (
        "[------------------------------]   0.0%  0/200 done  0 failed  -/s  ETA ?")
    assert render(progress(200), 3.0).endswith("100.0%  200/200 done  0 failed  3.0/s  ETA 0:00:00")
    assert render(progress(0, total=0), None).startswith("[" + "#" * 30 + "] 100.0%")


def test_watch_until_finished_one_line_per_change_off_a_tty():
    reads = iter([progress(0), progress(0), progress(50), progress(200)])
    now = [0.0]

    def sleep(s):
        now[0] += s

    out = io.StringIO()
    final = watch(lambda: next(reads), out, interval_s=1.0, clock=lambda: now[0], sleep=sleep)
    assert final.done == 200
    assert out.getvalue().splitlines() == [
        "[------------------------------]   0.0%  0/200 done  0 failed  -/s  ETA ?",
        "[########----------------------]  25.0%  50/200 done  0 failed  25.0/s  ETA 0:00:06",
        "[##############################] 100.0%  200/200 done  0 failed  66.7/s  ETA 0:00:00",
    ]


def test_watch_gives_up_after_timeout():
    now = [0.0]

    def sleep(s):
        now[0] += s

    final = watch(lambda: progress(10), io.StringIO(), interval_s=1.0, timeout_s=3.0,
                  clock=lambda: now[0], sleep=sleep)
    assert final.done == 10 and not final.finished
