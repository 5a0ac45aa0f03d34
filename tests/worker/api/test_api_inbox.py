"""Whether sources in the API's inbox are destroyed once stored (found by the session-47 audit:
with CALLREC_API_INBOX set and CALLREC_INBOX not covering it, a deleted recording's raw legs and
transcript stayed in the inbox, and nothing said so)."""

from __future__ import annotations

from worker.api.sources import api_inbox_sources_kept
from worker.settings import Settings


def test_an_api_inbox_outside_callrec_inbox_is_named_as_keeping_its_sources(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert api_inbox_sources_kept(Settings(api_inbox=str(inbox))) == ("us", "eu", "au")
    assert api_inbox_sources_kept(Settings(api_inbox=str(inbox), inbox=str(inbox))) == ()
    assert api_inbox_sources_kept(Settings(api_inbox=str(inbox), inbox=str(tmp_path))) == ()  # a root above it
    per_region = Settings(api_inbox=str(inbox), inbox=f"{inbox},s3://drop-{{region}}/legs/", regions="eu")
    assert api_inbox_sources_kept(per_region) == ()
    assert api_inbox_sources_kept(Settings(api_inbox=str(inbox), inbox=str(tmp_path / "other"))) == ("us", "eu", "au")
    assert api_inbox_sources_kept(Settings()) == ()  # no API inbox: nothing to say
