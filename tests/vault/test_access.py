"""Who may play a recording (DESIGN.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.vault.conftest import make_entry
from vault.access import Principal, refusal
from vault.errors import VaultInputError
from vault.index import ArtifactInfo, Tombstone

AUDIO = (ArtifactInfo("audio", 1, "v1", "0123abcd"),)
PUBLIC = make_entry(ticket="T-1", public=True).copy(artifacts=AUDIO)
PRIVATE = make_entry(ticket="T-1", public=False).copy(artifacts=AUDIO)


@pytest.mark.parametrize(
    ("who", "tickets", "entry", "expected"),
    [
        ("agent:a1", {"T-1", "T-9"}, PRIVATE, None),
        ("agent:a1", {"T-9"}, PRIVATE, "agent has no access to the ticket"),
        ("agent:a1", set(), PUBLIC, "agent has no access to the ticket"),
        ("end-user:u1", {"T-1"}, PUBLIC, None),
        ("end-user:u1", {"T-1"}, PRIVATE, "account does not make recordings public"),
        ("end-user:u1", {"T-2"}, PUBLIC, "end user is not the requester of the ticket"),
    ],
)
def test_rules(who, tickets, entry, expected):
    assert refusal(Principal.parse(who, "acme", frozenset(tickets)), entry) == expected


@pytest.mark.parametrize(("who", "expected"), [
    ("agent:a1", "agent has no access to the ticket"),
    ("end-user:u1", "end user is not the requester of the ticket"),
])
def test_same_ticket_id_of_another_account_grants_nothing(who, expected):
    assert refusal(Principal.parse(who, "globex", frozenset({"T-1"})), PUBLIC) == expected


def test_deleted_recording_refused_to_everyone():
    gone = PUBLIC.copy(artifacts=(), tombstone=Tombstone(datetime(2026, 1, 1, tzinfo=UTC), "operator", "x"))
    assert refusal(Principal.parse("agent:a", "acme", frozenset({"T-1"})), gone) == "recording was deleted"
    # An outsider learns nothing of the deletion.
    assert refusal(Principal.parse("agent:b", "acme", frozenset()), gone) == "agent has no access to the ticket"


@pytest.mark.parametrize("text", ["a1", "admin:a1", "agent:"])
def test_bad_principal(text):
    with pytest.raises(VaultInputError):
        Principal.parse(text, "acme", frozenset())


def test_principal_prints_as_given():
    assert str(Principal.parse("end-user:u7", "acme", frozenset())) == "end-user:u7"


def test_deleted_voicemail_keeps_its_transcript_for_agents():
    gone = PRIVATE.copy(kind="voicemail", artifacts=(ArtifactInfo("transcript", 1, "v1", "ab12cd34"),),
                        tombstone=Tombstone(datetime(2026, 1, 1, tzinfo=UTC), "operator", "x"))
    agent = Principal.parse("agent:a", "acme", frozenset({"T-1"}))
    assert refusal(agent, gone, "transcript") is None
    assert refusal(agent, gone, "audio") == "recording was deleted"
    assert refusal(agent, PRIVATE.copy(artifacts=()), "transcript") == "recording has no transcript"
