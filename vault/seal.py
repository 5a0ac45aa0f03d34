"""Authenticated index entries: an HMAC over each entry, under a key wrapped by the KEK.

The index entry is plaintext (listing, retention and access read it without decrypting
anything), so whoever can write the store could edit ``ticket_id`` or ``public`` and grant
themselves access. Each entry therefore carries ``mac``: Tink HMAC-SHA256 (256-bit tag)
over a purpose label and the entry's canonical encoding, which covers every field (ids,
ticket, access flags, dates, retention, artifacts, tombstone). The region's MAC key is a
Tink keyset encrypted under the region's KEK and stored in the key store
(``seal/index-mac.json``), never beside the entries; it is made on the first write.

An entry whose MAC does not verify, that carries none in a vault that has sealed its
entries, or that sits under another recording's name raises IndexTamperedError. A vault
from before sealing is refused with MigrationNeededError until ``migrate`` sealed it once;
after that (``seal/sealed-all.json``) a bare entry is never sealed, only refused. The MAC does
not tell an older copy of an entry from the current one: a deleted recording's older entry is
told by ``vault.deletions``; a live one's from before a re-redaction or a re-wrap is not (the
replaced generation's keys are destroyed; a re-wrapped key opens the same data).

Retention policies (``accounts/<id>/policy.json``, plaintext beside the entries) are sealed the
same way under the same key, each bound to its name: the sweep deletes by them. Bare ones are
taken until ``migrate`` sealed them once (``seal/policies-sealed.json``; a new vault at once).
The MAC does not tell an older copy from the current one: ``vault.policy_digests`` does.

Audit events (``audit/<date>/...``) are sealed too, each bound to its object name under a label
of their own: an event edited, moved or written under another region's key is reported as
tampered, never shown. Bare ones are an older vault's until ``migrate`` sealed them once
(``seal/audit-sealed.json``; a new vault at once). A removed one is ``vault.audit_heads``'s to see.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import tink
from tink import mac

from vault.errors import (
    IndexCorruptError,
    IndexTamperedError,
    MigrationNeededError,
    ObjectExistsError,
    ObjectMissingError,
    PolicyTamperedError,
    VaultError,
)
from vault.index import IndexEntry
from vault.keys.base import KeyProvider
from vault.stores.base import ObjectStore, get_bytes
from vault.wrapped_keyset import WrappedKeyset

mac.register()

#: Tink's HMAC-SHA256 with a 256-bit tag.
TEMPLATE = mac.mac_key_templates.HMAC_SHA256_256BITTAG
#: Where the region's wrapped MAC key lives in the key store.
KEY_NAME = "seal/index-mac.json"
#: Written once ``migrate`` sealed every entry of an older vault.
SEALED_ALL = "seal/sealed-all.json"

_LABEL = b"callrec/v1 index-entry\x00"
_POLICY_LABEL = b"callrec/v1 retention-policy\x00"
#: Written once every retention policy of the region is sealed (a new vault, or ``migrate``).
POLICIES_SEALED = "seal/policies-sealed.json"
_EVENT_LABEL = b"callrec/v1 audit-event\x00"
#: Written once every audit event of the region is sealed (a new vault, or ``migrate``).
EVENTS_SEALED = "seal/audit-sealed.json"


class IndexSealer:
    """Seals and opens one region's index entries."""

    def __init__(self, region: str, keys: KeyProvider, key_store: ObjectStore, has_entries: Callable[[], bool],
                 on_new_vault: Callable[[], None] = lambda: None,
                 has_events: Callable[[], bool] = lambda: False):
        self.region = region
        self._key_store = key_store
        self._keyset = WrappedKeyset(region, keys, key_store, name=KEY_NAME, template=TEMPLATE,
                                     purpose="index-mac", what="index key")
        #: Whether the region's object store holds any index entry (asked once, when the
        #: MAC key is made: a vault with none has no bare entry to migrate, ever).
        self._has_entries = has_entries
        #: Called in a new vault before its key is made (what only a new vault may take for granted).
        self._on_new_vault = on_new_vault
        #: Whether the object store holds any audit event (asked with ``has_entries``: a vault
        #: with no key yet but an older version's bare events keeps them readable until migrated).
        self._has_events = has_events
        self._events_sealed = False
        self._mac: mac.Mac | None = None

    # -- entries -----------------------------------------------------------------------

    def seal(self, entry: IndexEntry) -> bytes:
        """The stored form of ``entry``: its encoding plus its MAC."""
        body = json.loads(entry.encode())
        body["mac"] = base64.b64encode(self._primitive(create=True).compute_mac(_input(entry))).decode("ascii")
        return json.dumps(body, sort_keys=True, indent=1).encode("utf-8")

    def open(self, name: str, data: bytes) -> IndexEntry:
        """The entry stored as ``data`` under ``name``, verified; IndexTamperedError or
        MigrationNeededError when it cannot be trusted."""
        body = _body(data)
        tag = body.pop("mac", None)
        entry = IndexEntry.decode(json.dumps(body).encode("utf-8"))
        if name != f"index/{entry.recording_id}.json":  # another recording's entry, moved here
            raise _tampered(name.removeprefix("index/").removesuffix(".json"))
        if tag is None:
            if self._bare_entries_allowed():
                raise MigrationNeededError(
                    f"index entry of {entry.recording_id} is not authenticated (written before entries "
                    f"were); run `callrec keys migrate --region {self.region}`")
            raise _tampered(entry.recording_id)
        primitive = self._primitive(create=False)
        try:
            if primitive is None or not isinstance(tag, str):
                raise tink.TinkError("no key or no tag")
            primitive.verify_mac(base64.b64decode(tag, validate=True), _input(entry))
        except (tink.TinkError, ValueError):
            raise _tampered(entry.recording_id) from None
        return entry

    def unverified(self, data: bytes) -> IndexEntry:
        """The entry as stored, NOT verified: only for destroying a recording."""
        body = _body(data)
        body.pop("mac", None)
        return IndexEntry.decode(json.dumps(body).encode("utf-8"))

    def is_sealed(self, data: bytes) -> bool:
        return "mac" in _body(data)

    def name_tag(self, label: bytes, data: bytes, *, create: bool = False) -> str | None:
        """A name for ``data`` nobody without the MAC key can work out or test a guess
        against (32 hex digits of the keyed MAC, under its own ``label``, apart from the
        entries'); None in a vault that made no key yet (it holds nothing to name), unless
        ``create``: the key is made, as by a first write."""
        primitive = self._primitive(create=create)
        if primitive is None:
            return None
        return hashlib.sha256(primitive.compute_mac(label + b"\x00" + data)).hexdigest()[:32]

    # -- retention policies -------------------------------------------------------------

    def seal_policy(self, name: str, body: bytes) -> bytes:
        """The stored form of a retention policy (``body``, JSON) stored as ``name``: plaintext
        beside the entries, the sweep deletes by it, so it carries a MAC bound to its name as
        an entry does (session 55: a window edited in the object store deleted an account's
        recordings)."""
        return self._sealed(_POLICY_LABEL, name, _policy_body(body))

    def open_policy(self, name: str, data: bytes) -> bytes:
        """The policy stored as ``data`` under ``name``, verified (its JSON without the MAC);
        PolicyTamperedError when it does not verify, or carries no MAC once the region's
        policies are sealed."""
        doc = _policy_body(data)
        tag = doc.pop("mac", None)
        if tag is None:
            if self.may_seal_bare_policies():
                return json.dumps(doc, sort_keys=True).encode("utf-8")
            raise _policy_tampered(name)
        if not self._verifies(_POLICY_LABEL, name, doc, tag):
            raise _policy_tampered(name)
        return json.dumps(doc, sort_keys=True).encode("utf-8")

    def is_sealed_policy(self, data: bytes) -> bool:
        return "mac" in _policy_body(data)

    def may_seal_bare_policies(self) -> bool:
        """True while a vault's bare policies (written before policies were sealed) may still be
        sealed by a migration."""
        return not self._marked(POLICIES_SEALED)

    def finish_policy_migration(self) -> None:
        """Record that every policy is sealed: from now on a bare one is tampering."""
        self._mark(POLICIES_SEALED)

    # -- audit events -------------------------------------------------------------------

    def seal_event(self, name: str, body: bytes) -> bytes:
        """The stored form of an audit event (``body``, its JSON) stored as ``name``: its fields
        plus a MAC over the name and them, so an event edited, moved or forged does not verify."""
        return self._sealed(_EVENT_LABEL, name, json.loads(body))

    def event_verifies(self, name: str, doc: dict) -> bool:
        """Whether the stored event ``doc`` (its JSON object, ``mac`` included) may be shown as
        stored under ``name``: its MAC verifies, or it has none in a vault whose events are not
        sealed yet (an older vault's, until ``migrate``)."""
        body = dict(doc)
        tag = body.pop("mac", None)
        if tag is None:
            return self.may_seal_bare_events()
        return self._verifies(_EVENT_LABEL, name, body, tag)

    def may_seal_bare_events(self) -> bool:
        """True while an older vault's bare audit events are taken (and may be sealed)."""
        self._events_sealed = self._events_sealed or self._marked(EVENTS_SEALED)  # once marked, for good
        return not self._events_sealed

    def finish_event_migration(self) -> None:
        """Record that every audit event is sealed: from now on a bare one is tampering."""
        self._mark(EVENTS_SEALED)

    # -- migration ---------------------------------------------------------------------

    def may_seal_bare(self) -> bool:
        """True while an older vault's bare entries may still be sealed by a migration."""
        return self._bare_entries_allowed()

    def finish_migration(self) -> None:
        """Record that every entry is sealed: from now on a bare entry is tampering."""
        self._mark(SEALED_ALL)

    def _marked(self, name: str) -> bool:
        """Whether the key store holds the mark ``name`` (a migration's end)."""
        try:
            get_bytes(self._key_store, name)
            return True
        except ObjectMissingError:
            return False

    def _mark(self, name: str) -> None:
        """Write the mark ``name`` once (create-only: a mark is never replaced)."""
        with contextlib.suppress(ObjectExistsError):
            self._key_store.create(name, json.dumps({"at": datetime.now(UTC).isoformat()}).encode())

    def _sealed(self, label: bytes, name: str, doc: dict) -> bytes:
        """``doc`` (a policy's or an audit event's fields) with its MAC over ``label``, ``name`` and
        the fields, as stored."""
        tag = self._primitive(create=True).compute_mac(_named_input(label, name, doc))
        return json.dumps({**doc, "mac": base64.b64encode(tag).decode("ascii")}, sort_keys=True).encode("utf-8")

    def _verifies(self, label: bytes, name: str, doc: dict, tag: object) -> bool:
        """Whether ``tag`` (the stored MAC; any JSON value) is ``doc``'s under ``label`` and ``name``."""
        primitive = self._primitive(create=False)
        if primitive is None or not isinstance(tag, str):
            return False
        try:
            primitive.verify_mac(base64.b64decode(tag, validate=True), _named_input(label, name, doc))
        except (tink.TinkError, ValueError):
            return False
        return True

    # -- key ---------------------------------------------------------------------------

    def key_version(self) -> str | None:
        """The KEK version wrapping the MAC key (None before the first write)."""
        return self._keyset.version()

    def rewrap(self) -> bool:
        """Re-wrap the MAC key under the KEK's primary version; True when it changed."""
        return self._keyset.rewrap()

    def _primitive(self, *, create: bool) -> mac.Mac | None:
        if self._mac is not None:
            return self._mac
        wrapped = self._keyset.read()
        if wrapped is None:
            if not create:
                return None
            if not self._has_entries():
                # A new vault: a bare entry can only be tampering. Marked before the key is made:
                # a process killed between the two (or a failed write of the mark after the key)
                # left a key and no mark, and the vault took bare entries for an older vault's
                # for good (sealed by the next migration, edits included: session-48 audit).
                self._on_new_vault()
                if not self._has_events():
                    self.finish_event_migration()
                self.finish_migration()
                self.finish_policy_migration()
            wrapped = self._keyset.create()
        self._mac = self._keyset.open(wrapped).primitive(mac.Mac)
        self._reclaim_partial()
        return self._mac

    def _reclaim_partial(self) -> None:
        """Once per process, with the key in hand: destroy what writers killed while making
        it (or the migration mark) left under ``seal/``. Best effort; a creator caught
        mid-write finds the key made and uses it (``WrappedKeyset.create``)."""
        with contextlib.suppress(VaultError):
            self._key_store.discard_partial(KEY_NAME.rpartition("/")[0] + "/")

    def _bare_entries_allowed(self) -> bool:
        """An older vault: no entry was ever sealed by a migration."""
        return not self._marked(SEALED_ALL)


def _input(entry: IndexEntry) -> bytes:
    return _LABEL + entry.encode()


def _named_input(label: bytes, name: str, doc: dict) -> bytes:
    """What a MAC of a policy or an audit event covers: its use (``label``), its object name and its
    fields (so one moved to another name, or taken for the other kind, does not verify)."""
    return label + name.encode("utf-8") + b"\x00" + json.dumps(doc, sort_keys=True).encode("utf-8")


def _policy_body(data: bytes) -> dict:
    return _json_object(data, lambda why: PolicyTamperedError(f"retention policy is {why}"))


def _body(data: bytes) -> dict:
    return _json_object(data, lambda why: IndexCorruptError(f"index entry is corrupt ({why})"))


def _json_object(data: bytes, error: Callable[[str], Exception]) -> dict:
    """``data`` read as a JSON object; ``error("not JSON")`` or ``error("not an object")`` raised otherwise."""
    try:
        doc = json.loads(data)
    except ValueError:
        raise error("not JSON") from None
    if not isinstance(doc, dict):
        raise error("not an object")
    return doc


def _policy_tampered(name: str) -> PolicyTamperedError:
    return PolicyTamperedError(f"{name}: does not verify (altered, or not written by this vault)")


def _tampered(recording_id: str) -> IndexTamperedError:
    return IndexTamperedError(f"index entry of {recording_id} does not verify (altered, or not written by this vault)")
