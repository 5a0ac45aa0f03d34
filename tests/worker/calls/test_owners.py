"""Whose a file in the inbox is (worker.calls.owners)."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.calls.owners import NOT_ITS_OWN, Owner, owns


@pytest.mark.parametrize("path, owned", [
    ("CA1/legs/agent.wav", True),  # its folder, first below the root
    ("CA1/CA1", True),
    ("CA1.wav", True),
    ("CA1", True),
    ("CA1-a.wav", True),
    ("2026/12/07/CA1_20261207T1000.wav", True),  # Amazon Connect's date folders
    ("CA2/CA1-a.wav", True),  # named for it, in another's folder
    ("CA10-a.wav", False),  # another call whose id begins with this one's
    ("CA10/legs/a.wav", False),
    ("XCA1-a.wav", False),
    ("acme/CA1/a.wav", False),  # only the first folder names the call
    ("legs/agent.wav", False),
    ("CA1 a.wav", False),
    ("CA1-a/CA1-a.wav", False),  # in the folder of call CA1-a, whose id is this one's and more
    ("CA1_2/CA1_2.wav", False),
])
def test_a_call_owns_its_folder_and_the_files_named_for_it(path, owned):
    assert owns("CA1", Path(path).parts) is owned


CONTACT = "b8c1c3d4-1111-2222-3333-444455556666"  # an Amazon Connect contact id (a UUID)
SID, RECORDING = "CA" + "0123456789abcdef" * 2, "RE" + "fedcba9876543210" * 2


@pytest.mark.parametrize("call_id, name, owned", [
    (CONTACT, f"{CONTACT}_20261207T10:15_UTC.wav", True),
    ("b8c1c3d4", f"{CONTACT}_20261207T10:15_UTC.wav", False),  # a call id that is a contact id's start
    ("b8c1c3d4-1111", f"{CONTACT}.wav", False),
    ("1701234567.1234", "1701234567.1234.wav", True),  # an Asterisk uniqueid
    ("1701234567", "1701234567.1234.wav", False),
    ("1701234567", "1701234567.wav", True),
    (SID, f"{SID}.wav", True),  # a Twilio CallSid
    (SID, f"{SID}-{RECORDING}.wav", True),
    (f"{SID}.{RECORDING}", f"{SID}.{RECORDING}.wav", True),
    (SID[:10], f"{SID}.wav", False),
])
def test_a_name_beginning_with_a_platforms_id_is_only_that_ids(call_id, name, owned):
    """Session 58: a call id that is the start of a platform's id up to a separator (the first
    group of a contact id, an Asterisk id's seconds) owned every file named for the whole id."""
    assert owns(call_id, ("2026", "12", "07", name)) is owned


def test_a_file_is_judged_below_the_inbox_root_holding_it(tmp_path):
    inbox = tmp_path / "inbox"
    owner = Owner("CA1", (inbox, tmp_path / "drop" / "CA1"))
    assert owner.refusal(inbox / "CA1" / "legs" / "agent.wav") is None
    assert owner.refusal(inbox / "batch" / "agent.wav") == NOT_ITS_OWN  # a folder not named for it
    assert owner.refusal(tmp_path / "drop" / "CA1" / "agent.wav") == NOT_ITS_OWN  # below that root: not named
    assert owner.refusal(tmp_path / "elsewhere" / "agent.wav") is None  # not in the inbox: the roots judge it


def test_an_object_is_the_calls_by_its_key_below_the_roots_prefix():
    owner = Owner("CA1", (), (("s3", "drop", "legs/"),))
    assert owner.key_refusal("s3", "drop", "legs/CA1/a.wav") is None
    assert owner.key_refusal("s3", "drop", "legs/2026/CA1_1000.wav") is None
    assert owner.key_refusal("s3", "drop", "legs/CA2/a.wav") == NOT_ITS_OWN
    assert owner.key_refusal("s3", "drop", "legs/a.wav") == NOT_ITS_OWN
    assert owner.key_refusal("s3", "drop", "elsewhere/a.wav") is None  # not in the inbox
    assert owner.key_refusal("s3", "other", "legs/a.wav") is None
    assert owner.key_refusal("gs", "drop", "legs/a.wav") is None
