"""Who may play a recording (DESIGN.md §1).

Any agent with access to the recording's ticket may play it. An end user may play the
recordings of their own request tickets, only where the account made new recordings
public. The ticket facts (which account the principal belongs to, which tickets an agent
can see, which tickets a user requested) come from the helpdesk with the request; the vault
decides and audits. Ticket ids are per account (every helpdesk has a ticket 1), so a ticket
grants access only to the recordings of the principal's own account.
"""

from __future__ import annotations

from dataclasses import dataclass

from callrec.errors import shown
from vault.errors import VaultInputError
from vault.index import IndexEntry

PRINCIPAL_KINDS: tuple[str, ...] = ("agent", "end-user")


@dataclass(frozen=True)
class Principal:
    """Someone asking for a recording, with the tickets the helpdesk vouches for."""

    kind: str
    id: str
    #: The helpdesk account the principal belongs to; its tickets are the only ones meant.
    account_id: str
    #: Tickets an agent has access to, or tickets an end user is the requester of.
    tickets: frozenset[str]
    #: Who vouched for the principal and its tickets (an API key: ``api-key:ID``), named with it
    #: in the audit trail; None when the principal asks itself (the CLI's operator).
    vouched_by: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in PRINCIPAL_KINDS:
            raise VaultInputError(f"principal kind {shown(self.kind)} is not one of {', '.join(PRINCIPAL_KINDS)}")
        if not self.id:
            raise VaultInputError("principal id is empty")
        if not self.account_id:
            raise VaultInputError("principal account id is empty")

    @classmethod
    def parse(cls, text: str, account_id: str, tickets: frozenset[str], *,
              vouched_by: str | None = None) -> Principal:
        """``agent:A`` or ``end-user:U`` of account ``account_id``."""
        kind, sep, ident = text.partition(":")
        if not sep:
            raise VaultInputError(f"principal {shown(text)} must look like agent:ID or end-user:ID")
        return cls(kind, ident, account_id, tickets, vouched_by)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" + (f" ({self.vouched_by})" if self.vouched_by else "")


def refusal(principal: Principal, entry: IndexEntry, artifact: str = "audio") -> str | None:
    """Why ``principal`` may not have ``artifact`` of ``entry``, or None when it may.

    Access is decided first, so a refusal tells an outsider nothing about the recording. A
    deleted voicemail keeps its (redacted) transcription, so that stays available."""
    has_ticket = entry.account_id == principal.account_id and entry.ticket_id in principal.tickets
    if principal.kind == "agent" and not has_ticket:
        return "agent has no access to the ticket"
    if principal.kind == "end-user":
        if not has_ticket:
            return "end user is not the requester of the ticket"
        if not entry.public:
            return "account does not make recordings public"
    if entry.artifact(artifact) is None:
        return "recording was deleted" if entry.deleted else f"recording has no {artifact}"
    return None
