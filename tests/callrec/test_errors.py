"""The one error tree: every error class of every layer under CallrecError, each in an
errors module with a "Raised when..." docstring, classified by class properties."""

from __future__ import annotations

import ast
import builtins
import importlib
from pathlib import Path

import pytest

from callrec.errors import CallrecError, is_permanent, is_retryable

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("callrec", "audio", "redaction", "vault", "worker")


def _errors_modules() -> list[str]:
    return sorted(".".join(path.relative_to(ROOT).with_suffix("").parts)
                  for package in PACKAGES for path in (ROOT / package).rglob("errors.py"))


def _all_error_classes() -> list[type]:
    found: list[type] = []
    for name in _errors_modules():
        module = importlib.import_module(name)
        found += [value for value in vars(module).values()
                  if isinstance(value, type) and issubclass(value, BaseException)
                  and value.__module__ == name]
    return found


def test_every_error_class_is_under_the_one_root_with_a_raised_when_docstring():
    classes = _all_error_classes()
    assert {c.__name__ for c in classes} >= {
        "AudioError", "RedactionError", "VaultError", "WorkerError", "JobDecodeError", "JobBusy",
        "PoisonJob", "EmbeddedRedisError", "DemoError", "KmsKeyMissingError"}
    for cls in classes:
        assert issubclass(cls, CallrecError), cls
        assert (cls.__doc__ or "").startswith("Raised when"), cls


def test_no_exception_class_is_defined_outside_an_errors_module():
    builtin = {name for name, value in vars(builtins).items()
               if isinstance(value, type) and issubclass(value, BaseException)}  # ValueError too
    error_names = {c.__name__ for c in _all_error_classes()} | builtin | {"CallrecError"}
    outside = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "errors.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                        (base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")) in error_names
                        for base in node.bases):
                    outside.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert outside == []


@pytest.mark.parametrize(("module", "name", "permanent", "retryable"), [
    ("audio.errors", "AudioInputError", True, False),
    ("audio.errors", "AudioResourceError", False, True),
    ("redaction.errors", "TranscriptError", True, False),
    ("redaction.errors", "VerificationError", False, False),  # repeats on every run
    ("vault.errors", "DecryptionError", True, False),
    ("vault.errors", "ObjectMissingError", True, False),
    ("vault.errors", "StoreError", False, True),
    ("worker.errors", "SourceError", True, False),
    ("worker.errors", "ResourceError", False, True),
    ("worker.errors", "JobBusy", False, True),
    ("worker.errors", "PoisonJob", True, False),
    ("worker.errors", "QueueUnavailableError", False, True),
])
def test_classification_is_a_class_property(module, name, permanent, retryable):
    cls = getattr(importlib.import_module(module), name)
    assert (cls.permanent, cls.retryable) == (permanent, retryable)
    exc = cls("x")
    assert (is_permanent(exc), is_retryable(exc)) == (permanent, retryable)


def test_foreign_exceptions_are_retried_and_never_bad_input():
    class Duck(Exception):
        permanent = True  # a look-alike attribute classifies nothing

    for exc in (ValueError("x"), OSError("x"), Duck("x")):
        assert not is_permanent(exc) and is_retryable(exc)


@pytest.mark.parametrize("path, named", [
    ("/srv/calls/a.wav", "/srv/calls/a.wav"),                 # nothing to blur: as it is
    ("s3://bucket/calls/a.wav", "s3://bucket/calls/a.wav"),
    ("/srv/calls/\u00e9t\u00e9.wav", "/srv/calls/\u00e9t\u00e9.wav"),
    ("/srv/a b.wav", "'/srv/a b.wav'"),                       # a space
    ("/srv/a: not JSON.json", "'/srv/a: not JSON.json'"),      # what reads as the end of a path
    ("/srv/x:", "'/srv/x:'"),
    ("/srv/a\nERROR forged", "'/srv/a\\nERROR forged'"),     # a control character
    ("/srv/\u202egnp.wav", "'/srv/\\u202egnp.wav'"),         # a bidi override
    ("/srv/it's.wav", '"/srv/it\'s.wav"'),
    ("", "''"),
])
def test_a_path_heading_an_error_is_quoted_when_it_could_blur_where_it_ends(path, named):
    from callrec.errors import heading, quoted

    assert heading(path) == named
    assert heading(path) in (path, quoted(path))
