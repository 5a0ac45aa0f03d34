"""The review page: links, access, and what a real headless browser (Debian's chromium) draws."""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from pathlib import Path

import pytest

from tests.worker.api.conftest import sample_manifest
from tests.worker.api.jobs import wait_job
from vault.access import Principal
from worker.api.review import recording_time_s
from worker.api.review_links import ReviewLinks

#: Where browser tests leave their screenshots (CALLREC_TEST_ARTEFACTS, else out/test-artefacts).
ARTEFACTS = Path(os.environ.get("CALLREC_TEST_ARTEFACTS",
                                Path(__file__).resolve().parents[3] / "out" / "test-artefacts")) / "review"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def stored(api, acme, inbox, worker, sample):
    call_id = f"CA-review-{uuid.uuid4().hex[:8]}"  # a recording of its own: its audit trail is this test's
    job = api.post("/v1/calls", json=sample_manifest(inbox, sample, call_id=call_id), headers=acme).json()
    status = wait_job(api, acme, job["job_id"], worker=worker)
    assert status["state"] == "done", status
    rid = status["result"]["recording_id"]
    return rid, api.get(f"/v1/recordings/{rid}", headers=acme).json()


def link(api, acme, rid, ticket, **extra):
    return api.post(f"/v1/recordings/{rid}/review-links", headers=acme,
                    json={"as": "agent:ann", "tickets": [ticket], **extra})


def test_links_are_signed_expire_and_follow_the_access_rules(api, acme, keys, inbox, worker_process, redis_client):
    rid, meta = stored(api, acme, inbox, worker_process, "01-plain-inbound")
    refused = link(api, acme, rid, "T-9")
    assert refused.status_code == 403
    key = f"api-key:{acme['Authorization'].split('_')[1]}"
    assert refused.json()["error"]["message"] == f"agent:ann ({key}) may not review {rid}: agent has no access to the ticket"
    other = {"Authorization": f"Bearer {keys.create('globex')[1]}"}
    assert link(api, other, rid, "T-1001").status_code == 404
    assert link(api, acme, rid, "T-1001", ttl_s=10).status_code == 422
    made = link(api, acme, rid, "T-1001")
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.startswith(str(api.base_url) + "/review/")
    page = api.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    head = api.head(url)  # the link checked and audited; the audio not decrypted to draw a waveform no one sees
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"].startswith("text/html")
    assert "script-src 'nonce-" in page.headers["content-security-policy"]
    fetched = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert fetched == [f"/review/{url.rsplit('/', 1)[1]}/audio"]  # nothing from elsewhere (no CDN)
    token = url.rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert api.get(f"/review/{tampered}").status_code == 404
    whole = api.get(f"/review/{token}/audio")  # stored as FLAC, played as WAV
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF"
    size = len(whole.content)
    head = api.head(f"/review/{token}/audio")  # the length from the FLAC's header: nothing transcoded
    assert head.status_code == 200 and head.headers["content-length"] == str(size) and head.content == b""
    for spec, first, last in [("bytes=0-43", 0, 43), (f"bytes={size // 2 + 1}-", size // 2 + 1, size - 1),
                              ("bytes=-1001", size - 1001, size - 1)]:
        part = api.get(f"/review/{token}/audio", headers={"Range": spec})  # the player seeking
        assert part.status_code == 206 and part.headers["content-range"] == f"bytes {first}-{last}/{size}", spec
        assert part.headers["content-type"] == "audio/wav" and part.content == whole.content[first:last + 1], spec
    several = api.get(f"/review/{token}/audio", headers={"Range": "bytes=0-9,20-29"})  # the whole file, as audited
    assert several.status_code == 200 and several.content == whole.content
    past = api.get(f"/review/{token}/audio", headers={"Range": "bytes=999999999-"})  # past its end
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"

    links = ReviewLinks(redis_client, clock=lambda: time.time() - 7200)
    old, _ = links.issue(rid, Principal("agent", "ann", "acme", frozenset({"T-1001"})), 3600)
    assert api.get(f"/review/{old}").json()["error"]["message"] == \
        "this review link is unknown or expired; ask for a new one"

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    events = list(build_vault(SETTINGS).for_recording(rid).audit_events(rid))
    trail = [(e.action, e.outcome) for e in events]
    assert ("review", "refused") in trail and ("review", "allowed") in trail
    assert trail.count(("export", "allowed")) == 7  # the page's waveform, the whole file twice, its HEAD, three ranges
    assert [(e.action, e.reason) for e in events].count(("review", "headers only")) == 1  # the page's HEAD
    assert {e.principal for e in events if e.action in ("review", "export")} == {f"agent:ann ({key})"}  # the link's key
    assert trail.count(("export", "refused")) == 1  # the range past the end: no byte exported


def test_cut_positions_in_recording_time():
    time_map = {"pieces": [{"call_start_s": 9.0, "call_end_s": 20.0, "recording_start_s": 0.5},
                           {"call_start_s": 24.0, "call_end_s": 30.0, "recording_start_s": 11.5}]}
    assert recording_time_s(time_map, 9.0) == 0.5  # ivr + queue cut before the first piece
    assert recording_time_s(time_map, 24.0) == 11.5  # the hold 20-24 s: where recording resumes
    assert recording_time_s(time_map, 40.0) == 17.5  # after the last piece


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
def test_a_headless_browser_draws_the_spans_cuts_and_beep_of_the_metadata(api, acme, inbox, worker_process):
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the dev extra)")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    pages = {}
    for sample, ticket in (("08-card-keyed", "T-1008"), ("02-warm-transfer", "T-1002")):
        rid, meta = stored(api, acme, inbox, worker_process, sample)
        pages[sample] = (link(api, acme, rid, ticket).json()["url"], meta)

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-dev-shm-usage", "--window-size=1200,900", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        for sample, (url, meta) in pages.items():
            driver.get(url)
            WebDriverWait(driver, 20).until(lambda d: d.find_element("tag name", "body").get_attribute("data-drawn"))
            duration_s = meta["recorded_duration_s"]
            spans = driver.execute_script(
                "return Array.from(document.querySelectorAll('rect.span')).map(r => ["
                "+r.dataset.start, +r.dataset.end, r.dataset.kind, r.dataset.detector, +r.dataset.confidence,"
                "+r.getAttribute('x'), +r.getAttribute('width')])")
            expected = (meta.get("redaction") or {}).get("spans", [])
            assert len(spans) == len(expected) > 0 if sample == "08-card-keyed" else len(spans) == len(expected)
            for drawn, span in zip(spans, expected):
                assert drawn[:5] == [span["start_s"], span["end_s"], span["kind"], span["detector"], span["confidence"]]
                assert drawn[5] == pytest.approx(span["start_s"] / duration_s * 1000, abs=0.01)
                assert drawn[6] == pytest.approx(max(1, (span["end_s"] - span["start_s"]) / duration_s * 1000), abs=0.01)
            beeps = driver.execute_script("return Array.from(document.querySelectorAll('rect.beep'))"
                                          ".map(r => [+r.dataset.start, +r.dataset.end])")
            assert beeps == [[b["start_s"], b["end_s"]] for b in meta["beeps"]]
            cuts = driver.execute_script("return Array.from(document.querySelectorAll('line.cut'))"
                                         ".map(l => l.dataset.reason)")
            assert cuts == [c["reason"] for c in meta["cuts"]]
            rows = driver.execute_script("return document.querySelectorAll('#spans tbody tr').length")
            assert rows == len(expected)
            assert driver.execute_script("return document.querySelectorAll('#audit tbody tr').length") >= 2
            WebDriverWait(driver, 20).until(lambda d: d.execute_script(
                "return document.getElementById('player').readyState >= 1"))
            assert driver.execute_script("return document.getElementById('player').duration") == \
                pytest.approx(duration_s, abs=0.01)
            # a seek past the middle: the player can play from there, whatever ranges it asked for
            # (which ones depends on what it buffered: not checked here; the API tests check ranges)
            driver.execute_script("const p = document.getElementById('player'); p.currentTime = p.duration * 0.6;")
            WebDriverWait(driver, 20).until(lambda d: d.execute_script(
                "const p = document.getElementById('player'); return !p.seeking && p.readyState >= 2"))
            assert driver.execute_script("return document.getElementById('player').error") is None
            text = driver.find_element("tag name", "body").text
            assert "card_number" in text or sample != "08-card-keyed"
            driver.save_screenshot(str(ARTEFACTS / f"{sample}.png"))
            assert (ARTEFACTS / f"{sample}.png").stat().st_size > 10_000
        assert [c["reason"] for c in pages["02-warm-transfer"][1]["cuts"]] == ["ivr", "queue", "hold", "consultation"]
    finally:
        driver.quit()


class _Secrets:
    """Stands in for Redis: holds the links' secret."""

    def __init__(self):
        self.values = {}

    def set(self, name, value, nx=False, **kwargs):
        self.values.setdefault(name, value.encode())

    def get(self, name):
        return self.values.get(name)


@pytest.mark.parametrize(("tickets", "status"), [(1, 201), (40, 201), (400, 422)])
def test_a_link_too_long_to_open_is_refused_when_asked_for(monkeypatch, tickets, status):
    """Found by the audit: a link naming many tickets was issued (201) with a token longer
    than the page accepts (4,000 characters), so it was "unknown or expired" on every view."""
    from types import SimpleNamespace

    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from worker.api import review

    async def authenticate(request):
        return SimpleNamespace(account_id="acme", key_id="k1")

    monkeypatch.setattr(review, "authenticate", authenticate)
    monkeypatch.setattr(review, "account_recording", lambda request, key, rid: (None, None))
    monkeypatch.setattr(review, "refusal_now", lambda region_vault, entry, principal, artifact: None)
    app = Starlette(routes=review.ROUTES)
    app.state.services = SimpleNamespace(client=_Secrets(), settings=SimpleNamespace(api_max_body_bytes=1 << 20,
                                                                                    api_public_url=""))
    client = TestClient(app)
    rid = "rec_us_" + "ab" * 16
    made = client.post(f"/v1/recordings/{rid}/review-links",
                       json={"as": "agent:ann", "tickets": [f"T-{k:06d}" for k in range(tickets)]})
    assert made.status_code == status, made.text
    if status == 201:  # it opens
        assert ReviewLinks(app.state.services.client).check(made.json()["url"].rsplit("/", 1)[1]) is not None
    else:
        assert made.json()["error"]["field"] == "tickets"
        assert made.json()["error"]["message"] == ("tickets: too many for one link (its token would pass 4000 "
                                                   "characters): name the recording's ticket")


def test_a_link_dies_with_the_api_key_that_made_it(api, keys, inbox, worker_process):
    """Found by the audit: a revoked key was refused within seconds, but the review links it had
    made played on until they expired (up to 24 h). A link names its key; revoked, the link is too."""
    record, text = keys.create("acme", label="helpdesk")
    helpdesk = {"Authorization": f"Bearer {text}"}
    rid, _ = stored(api, helpdesk, inbox, worker_process, "01-plain-inbound")
    token = link(api, helpdesk, rid, "T-1001").json()["url"].rsplit("/", 1)[1]
    assert api.get(f"/review/{token}").status_code == 200
    assert api.head(f"/review/{token}/audio").status_code == 200
    keys.revoke("acme", record.key_id)
    for response in (api.get(f"/review/{token}"), api.get(f"/review/{token}/audio"),
                     api.get(f"/review/{token}/audio", headers={"Range": "bytes=0-43"})):
        assert response.status_code == 404, response.request.url
        assert response.json()["error"]["message"] == \
            "this review link was made with an API key since revoked; ask for a new one"


def test_a_link_to_a_recording_past_its_retention_window_is_refused(api, keys):
    """Found by hand (session 53): the link was made (201) for a recording past its window, which
    every player and export refuses from the moment the window ends; the link then opened on
    nothing. It is refused as its page would be (403, naming the window), and audited."""
    import io

    from tests.vault.conftest import make_entry
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    account = f"initech-{uuid.uuid4().hex[:8]}"
    entry = make_entry("us", "CA-OLD", account=account, ticket="T-7", retention_days=30)  # stored 2026-01-15
    region_vault = build_vault(SETTINGS).region("us")
    region_vault.put(entry, {"audio": io.BytesIO(b"RIFF"), "metadata": io.BytesIO(b"{}")})
    headers = {"Authorization": f"Bearer {keys.create(account)[1]}"}
    key = f"api-key:{headers['Authorization'].split('_')[1]}"
    refused = link(api, headers, entry.recording_id, "T-7")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["message"] == (f"agent:ann ({key}) may not review {entry.recording_id}: "
                                                  "recording is past its retention window")
    trail = [(e.action, e.outcome, e.reason) for e in region_vault.audit_events(entry.recording_id)]
    assert trail == [("review", "refused", "recording is past its retention window")]


def test_a_page_whose_audit_trail_holds_a_tampered_event_is_refused_naming_it(api, acme, inbox, worker_process):
    """Session 55: the page showed the recording's audit events as stored; one edited in the
    object store (a refusal made an allowed export) was shown as true. Events are sealed now, and
    a page whose trail holds one that does not verify answers as for an index entry that does
    not verify (400), naming the event's object, never its content."""
    import json

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from vault.audit import DOES_NOT_VERIFY
    from vault.regions import region_of
    from vault.stores.base import get_bytes, put_bytes
    from worker.vaults import build_vault

    rid, _ = stored(api, acme, inbox, worker_process, "01-plain-inbound")
    url = link(api, acme, rid, "T-1001").json()["url"]
    assert api.get(url).status_code == 200
    store = build_vault(SETTINGS).region(region_of(rid)).store
    name = next(n for n in store.names("audit/") if json.loads(get_bytes(store, n)).get("recording_id") == rid)
    body = json.loads(get_bytes(store, name))
    put_bytes(store, name, json.dumps({**body, "principal": "agent:mallory"}).encode())
    page = api.get(url)
    assert page.status_code == 400
    # named whole, as `callrec audit` names it (its time stamp, 20 digits across `T` and `.`, was
    # masked as a card number until session 56)
    assert page.json()["error"]["message"] == f"audit event {name} {DOES_NOT_VERIFY}"
    assert "mallory" not in page.text
