"""worker.calls.fetch against a real https server: credentials, redirects, size and time limits."""

from __future__ import annotations

import base64
import time

import pytest

from worker.errors import ManifestError, SourceMissingError
from worker.calls.fetch import FetchError, FetchPolicy
from worker.calls.fetch_hosts import parse_hosts


def policy(media, hosts=None, **changes) -> FetchPolicy:
    values = dict(hosts=parse_hosts(hosts or f"127.0.0.1:{media.port}"), twilio_tokens=(), max_bytes=10_000,
                  timeout_s=2.0, max_redirects=2, ca_file=str(media.cert))
    return FetchPolicy(**{**values, **changes})


def url(media, path, host="127.0.0.1"):
    return f"https://{host}:{media.port}{path}"


def test_fetches_with_per_host_credentials(media, tmp_path):
    media.server.routes["/f/ok.wav"] = (200, {}, b"RIFF" + b"\0" * 96)
    media.server.requests.clear()
    fetch = policy(media, hosts=f"ann:p%40ss@localhost:{media.port}")
    assert fetch.fetch(url(media, "/f/ok.wav", "localhost"), tmp_path / "a") == 100
    assert (tmp_path / "a").read_bytes() == b"RIFF" + b"\0" * 96
    assert media.server.requests == [("/f/ok.wav", "Basic " + base64.b64encode(b"ann:p@ss").decode())]


@pytest.mark.parametrize("route, error, message", [
    ((200, {}, b"x" * 20_000), ManifestError, "is larger than 10000 bytes"),
    ((404, {}, b"secret body"), ManifestError, "answered 404"),
    ((503, {}, b""), FetchError, "answered 503"),
    ((302, {"Location": "/f/bad"}, b""), ManifestError, "redirected more than 2 times"),
    ((302, {"Location": "http://127.0.0.1:{port}/f/x"}, b""), ManifestError, "redirected away from https"),
])
def test_bad_answers_are_refused_and_leave_nothing(media, tmp_path, route, error, message):
    media.server.routes["/f/bad"] = route
    with pytest.raises(error, match=message) as caught:
        policy(media).fetch(url(media, "/f/bad"), tmp_path / "a", "segments[0].uri")
    assert str(caught.value).startswith(f"segments[0].uri: https://127.0.0.1:{media.port}/f/bad")
    assert "secret body" not in str(caught.value)
    assert not (tmp_path / "a").exists()


def test_a_slow_server_times_out(media, tmp_path):
    import threading

    timed_out = threading.Event()

    def slow(handler):  # answers only once the fetch has given up (or after 30 s: never a hang)
        timed_out.wait(30)
        return b"late"

    media.server.routes["/f/slow"] = (200, {}, slow)
    try:
        with pytest.raises(FetchError, match="timed out"):
            policy(media, timeout_s=0.5).fetch(url(media, "/f/slow"), tmp_path / "a")
    finally:
        timed_out.set()
    assert not (tmp_path / "a").exists()


def test_a_server_dripping_its_bytes_is_cut_off(media, tmp_path, monkeypatch):
    """Found by the session-46 audit: a byte every 2 s never tripped the per-read timeout, so
    one fetch of a 264 KB file would have taken six days (a CLI ``process`` has no other bound).
    After the per-read timeout's length, a download must average MIN_RATE_BYTES_S. The fetch's
    clock is the test's: 0.2 s pass at each reading, so the drip is judged late at the third
    chunk (0.6 s, past the 0.5 s timeout) whatever the machine's load."""
    from types import SimpleNamespace

    from worker.calls import fetch as fetch_module

    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(1000):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.01)  # far inside the per-read timeout: only the rate can cut it off
        except OSError:  # the client hung up
            pass

    readings = []

    def clock():
        readings.append(0.2 * len(readings))
        return readings[-1]

    monkeypatch.setattr(fetch_module, "time", SimpleNamespace(monotonic=clock))
    media.server.routes["/f/drip"] = (200, {}, drip)
    with pytest.raises(FetchError, match="too slowly"):
        policy(media, timeout_s=0.5).fetch(url(media, "/f/drip"), tmp_path / "a")
    assert readings == pytest.approx([0.0, 0.2, 0.4, 0.6])  # the start, then one per chunk
    assert not (tmp_path / "a").exists()


def test_hosts_credentials_in_urls_and_untrusted_certificates_are_refused(media, tmp_path):
    with pytest.raises(ManifestError, match="host example.com is not one this service fetches from"):
        policy(media).check("https://example.com/a.wav", "segments[0].uri")
    with pytest.raises(ManifestError, match="carries credentials"):
        policy(media).check(f"https://u:p@127.0.0.1:{media.port}/a.wav", "segments[0].uri")
    with pytest.raises(ManifestError, match="is not an https:// URL"):
        policy(media).check(f"http://127.0.0.1:{media.port}/a.wav", "segments[0].uri")
    with pytest.raises(ManifestError, match="not one this service fetches from"):
        policy(media).check(f"https://127.0.0.1:{media.port + 1}/a.wav", "segments[0].uri")  # other port
    media.server.routes["/f/ok.wav"] = (200, {}, b"data")
    with pytest.raises(FetchError, match="could not be fetched"):
        policy(media, ca_file=None).fetch(url(media, "/f/ok.wav"), tmp_path / "a")


def test_a_twilio_auth_token_goes_only_to_twilios_own_hosts(media, tmp_path):
    """Found by the session-46 audit: the auth token went with any allowed fetch host whose URL
    path named a configured Account SID (``/Accounts/AC.../``), though only Twilio's API should
    ever see it. It goes only to ``CALLREC_TWILIO_HOSTS`` (api.twilio.com by default)."""
    from worker.calls.fetch_hosts import parse_twilio_hosts

    sid = "AC" + "a" * 32
    path = f"/2010-04-01/Accounts/{sid}/Recordings/RE{'b' * 32}.wav"
    media.server.routes[path] = (200, {}, b"RIFF" + b"\0" * 96)
    media.server.requests.clear()
    fetch = policy(media, hosts=f"127.0.0.1:{media.port},localhost:{media.port}", twilio_tokens=((sid, "tok"),),
                   twilio_hosts=parse_twilio_hosts(f"localhost:{media.port}"))
    assert fetch.twilio_account(url(media, path, "127.0.0.1")) is None
    fetch.fetch(url(media, path, "127.0.0.1"), tmp_path / "a")  # allowed, but not Twilio's: no token
    fetch.fetch(url(media, path, "localhost"), tmp_path / "b")
    assert media.server.requests == [(path, None), (path, "Basic " + base64.b64encode(f"{sid}:tok".encode()).decode())]
    assert parse_twilio_hosts("") == () and parse_twilio_hosts("api.twilio.com") == (("api.twilio.com", None),)


@pytest.mark.parametrize("status, missing", [(404, True), (410, True), (403, False), (400, False)])
def test_a_missing_source_is_told_from_other_refusals(media, tmp_path, status, missing):
    """A URL answered 404 or 410 names nothing (the provider deleted it: a redelivery of a call
    stored before skips it, worker.calls.replayed); another refusal is bad input, not "missing"."""
    media.server.routes["/f/gone"] = (status, {}, b"")
    with pytest.raises(ManifestError, match=f"answered {status}") as caught:
        policy(media).fetch(url(media, "/f/gone"), tmp_path / "a", "segments[0].uri")
    assert isinstance(caught.value, SourceMissingError) is missing
