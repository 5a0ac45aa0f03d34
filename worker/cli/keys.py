"""``callrec keys rotate --region R``, ``keys rewrap``, ``keys status``, ``keys migrate``."""

from __future__ import annotations

import argparse
import sys

from vault.regions import REGIONS
from vault.vault import Vault
from worker.calls.kept import seal_plain_manifests
from worker.stored.operations import migrate_vault, rewrap_all, rotate_key
from worker.settings import Settings
from worker.vaults import build_vault


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "keys", help="rotate key-encryption keys and re-wrap data keys",
        description="Rotation makes a new primary KEK version; rewrap re-wraps stored data keys "
                    "under it without re-encrypting audio, then retires versions nothing uses.")
    actions = parser.add_subparsers(dest="action", required=True)
    rotate = actions.add_parser("rotate", help="make a new primary version in a region")
    rotate.add_argument("--region", required=True, choices=REGIONS)
    rotate.set_defaults(func=run_rotate)
    rewrap = actions.add_parser("rewrap", help="re-wrap data keys under the primary version")
    rewrap.add_argument("--region", action="append", choices=REGIONS, help="default: CALLREC_REGIONS")
    rewrap.add_argument("--keep-old", action="store_true", help="do not retire unused versions")
    rewrap.set_defaults(func=run_rewrap)
    status = actions.add_parser("status", help="versions and how many data keys each wraps")
    status.add_argument("--region", action="append", choices=REGIONS, help="default: CALLREC_REGIONS")
    status.set_defaults(func=run_status)
    migrate = actions.add_parser(
        "migrate", help="bring an older vault up to date (key store, authenticated index, sealed "
                        "API manifests)",
        description="Vaults written before the key store kept each wrapped data key beside its "
                    "ciphertext, and their index entries carry no MAC; their recordings cannot be "
                    "read until this moves the keys and authenticates the entries. Manifests the "
                    "HTTP API kept in plain JSON (older versions) are not read until this seals "
                    "them; retention policies and audit events written before they were sealed are "
                    "read as they are until this seals them (a bare one is tampering after), and "
                    "recordings deleted before deletions were recorded in the key store get their "
                    "record (until then an older index entry of one put back reads as live). Run it "
                    "right after upgrading. Safe to run again and while workers run.")
    migrate.add_argument("--region", action="append", choices=REGIONS, help="default: CALLREC_REGIONS")
    migrate.set_defaults(func=run_migrate)


def run_rotate(args: argparse.Namespace) -> int:
    version = rotate_key(args.region, build_vault(Settings.from_env(), regions=(args.region,)))
    print(f"{args.region}: new primary version {version}; run `callrec keys rewrap` to move data keys to it")
    return 0


def run_rewrap(args: argparse.Namespace) -> int:
    """Exit 1 when an index entry was skipped: every other one was re-wrapped, that one needs a look."""
    report = rewrap_all(build_vault(Settings.from_env(), regions=args.region), regions=args.region,
                        retire=not args.keep_old)
    retired = ", ".join(f"{region} {version}" for region, version in report.retired) or "none"
    print(f"re-wrapped {report.keys_rewrapped} data key(s) of {report.recordings} recording(s); retired: {retired}")
    for name, why in report.skipped:
        print(f"callrec keys: skipped {name}: {why}", file=sys.stderr)
    return 1 if report.skipped else 0


def run_status(args: argparse.Namespace) -> int:
    vault = build_vault(Settings.from_env(), regions=args.region)
    for region in vault.regions:
        region_vault = vault.region(region)
        primary = region_vault.keys.current()  # read-only: status never creates a key
        if primary is None:
            print(f"{region} {region_vault.keys.key_id}: no key yet (one is made at the first store or rotation)")
            continue
        used = region_vault.versions_in_use()
        held = region_vault.keys.versions()
        for version in held:
            mark = " (primary)" if version == primary else ""
            print(f"{region} {region_vault.keys.key_id} {version}{mark}: {used.get(version, 0)} data key(s)")
        for version in sorted(set(used) - set(held)):  # retired while a key still used it: nothing opens these
            print(f"{region} {region_vault.keys.key_id} {version} (not in the keyring: unreadable): "
                  f"{used[version]} data key(s)")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Exit 1 when an index entry or a kept manifest was refused: it needs an operator's look."""
    settings = Settings.from_env()
    vault = build_vault(settings, regions=args.region)
    refused = 0
    for report in migrate_vault(vault, regions=args.region):
        print(f"{report.region}: moved {report.keys_moved} wrapped data key(s) into the key store, "
              f"authenticated {report.entries_sealed} index entr{'y' if report.entries_sealed == 1 else 'ies'}, "
              f"wrote {report.tickets_marked} ticket marker(s)"
              + (f", authenticated {report.policies_sealed} retention polic{'y' if report.policies_sealed == 1 else 'ies'}"
                 if report.policies_sealed else "")
              + (f", authenticated {report.events_sealed} audit event(s)" if report.events_sealed else "")
              + (f", recorded {report.deletions_recorded} deletion(s)" if report.deletions_recorded else ""))
        if report.entries_refused:
            print(f"callrec keys: {report.region}: refused {report.entries_refused} index entry(ies) that do not "
                  "verify (altered after the vault was sealed); they stay refused", file=sys.stderr)
        refused += report.entries_refused
    return 1 if refused + _seal_manifests(settings, vault) else 0


def _seal_manifests(settings: Settings, vault: Vault) -> int:
    """Seal the manifests an older API kept in plain JSON; returns how many were refused."""
    report = seal_plain_manifests(settings.data_dir, vault, settings.max_manifest_bytes)
    if report.sealed or report.partial_removed or report.other_regions:
        others = f"; {report.other_regions} of other regions left" if report.other_regions else ""
        partial = (f"; removed {report.partial_removed} plain partial write(s)" if report.partial_removed else "")
        print(f"api manifests: sealed {report.sealed} kept in plain JSON by an older version{partial}{others}")
    if report.refused:
        print(f"callrec keys: refused {report.refused} api manifest(s) that are not a manifest or not the one "
              f"their name is for; they stay as they are: {', '.join(map(str, report.refused_paths))}",
              file=sys.stderr)
    return report.refused
