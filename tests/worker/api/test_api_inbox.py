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


def test_a_reason_names_the_accounts_files_as_its_manifests_do_not_by_the_servers_paths(tmp_path):
    """Found by the session-47 audit: a job's failure reason, over GET /v1/jobs and in the
    ``job.failed`` webhook, named the server's own path of the account's inbox
    ("segments[0].uri: /srv/.../inbox/acme/leak/a.wav: no such file"). It names the file as the
    account's manifests do (``file:`` and its path in the inbox); the server's data dir by name only."""
    from worker.api.sources import as_the_account_names_it

    inbox = tmp_path / "inbox"
    (inbox / "acme").mkdir(parents=True)
    settings = Settings(api_inbox=str(inbox), data_dir=tmp_path / "state")
    reason = f"ManifestError: segments[0].uri: {inbox}/acme/leak/a b.wav: no such file"
    assert as_the_account_names_it(reason, settings) == \
        "ManifestError: segments[0].uri: file:leak/a b.wav: no such file"
    kept = f"ManifestError: {tmp_path}/state/api/acme/CA1.json: damaged"
    assert as_the_account_names_it(kept, settings) == "ManifestError: <data dir>/api/acme/CA1.json: damaged"
    assert as_the_account_names_it(None, settings) is None
    assert as_the_account_names_it(f"{inbox}/acme", settings) == "<inbox>/acme"  # the inbox itself, by name


def test_paths_in_an_accounts_inbox_are_named_as_its_manifests_name_them(tmp_path):
    """One mapper (``inbox_named``) for a job's failure reason and a recording's inputs."""
    from worker.api.sources import inbox_named

    real = tmp_path / "inbox"
    (real / "acme").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    settings = Settings(api_inbox=str(link))
    for root in (link, real):  # the inbox as configured and as resolved
        assert inbox_named(f"uri: {root}/acme/leak/a b.wav: gone", settings) == "uri: file:leak/a b.wav: gone"
        assert inbox_named(f"'{root}/globex/x.wav'", settings) == "'file:x.wav'"
        assert inbox_named(f"{root}/acme/x.wav", settings, "acme") == "file:x.wav"
        assert inbox_named(f"{root}/globex/x.wav", settings, "acme") == f"{root}/globex/x.wav"  # not its inbox
    assert inbox_named(f"/mnt{real}/acme/x.wav", settings) == f"/mnt{real}/acme/x.wav"  # another path
    assert inbox_named(f"{real}/acme", settings) == f"{real}/acme"  # the account's dir itself: no file
    assert inbox_named(f"{real}/acme/x.wav", Settings()) == f"{real}/acme/x.wav"  # no API inbox


def test_a_recordings_inputs_in_the_accounts_inbox_are_named_as_its_manifest_named_them(tmp_path):
    from worker.api.routes.recordings import _inbox_relative

    inbox = tmp_path / "inbox"
    settings = Settings(api_inbox=str(inbox))
    inputs = [{"uri": f"{inbox}/acme/d/a.wav"}, {"uri": f"{inbox}/globex/b.wav"}, {"uri": "s3://b/k.wav"}, "odd"]
    metadata = {"call_id": "c1", "digests": {"audio": "x", "inputs": inputs}}
    assert _inbox_relative(metadata, settings, "acme") == {"call_id": "c1", "digests": {"audio": "x", "inputs": [
        {"uri": "file:d/a.wav"}, {"uri": f"{inbox}/globex/b.wav"}, {"uri": "s3://b/k.wav"}, "odd"]}}
    assert _inbox_relative(metadata, Settings(), "acme") == metadata
    assert _inbox_relative({"digests": None}, settings, "acme") == {"digests": None}
