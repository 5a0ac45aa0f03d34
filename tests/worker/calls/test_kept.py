"""worker.calls.kept: which files count as the API's kept manifests, and what forgetting removes."""

from __future__ import annotations

from worker.calls.kept import forget_call, is_kept, manifest_path, write_manifest


def test_only_the_apis_own_manifests_count_as_kept(tmp_path):
    data_dir = tmp_path / "state"
    kept = manifest_path(data_dir, "acme", "CA1")
    assert is_kept(data_dir, kept) and is_kept(data_dir, str(kept))
    assert not is_kept(data_dir, tmp_path / "calls" / kept.name)  # an operator's manifest
    assert not is_kept(data_dir, kept.parent / "notes.json")
    assert not is_kept(data_dir, kept.parent / ".." / ".." / "x" / kept.name)
    assert not is_kept(tmp_path / "other", kept)


def test_forgetting_a_call_removes_its_manifest_and_partial_writes_only(tmp_path):
    data_dir = tmp_path / "state"
    kept, other = manifest_path(data_dir, "acme", "CA1"), manifest_path(data_dir, "acme", "CA2")
    write_manifest(kept, {"call_id": "CA1"})
    write_manifest(other, {"call_id": "CA2"})
    partial = kept.parent / f".{kept.name}.x1y2.tmp"
    partial.write_text("{")
    assert forget_call(data_dir, "acme", "CA1") == 2
    assert sorted(p.name for p in kept.parent.iterdir()) == [other.name]
    assert forget_call(data_dir, "acme", "CA1") == 0  # again: nothing, no error
    assert forget_call(tmp_path / "nothing-here", "acme", "CA1") == 0


def test_ids_that_lead_out_of_the_accounts_directory_remove_nothing(tmp_path):
    data_dir = tmp_path / "state"
    outside = manifest_path(data_dir, "../../..", "CA1")
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_text("not ours")
    assert forget_call(data_dir, "../../..", "CA1") == 0 and outside.exists()
    assert forget_call(data_dir, "", "CA1") == 0
