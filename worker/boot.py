"""What a process builds once at start, from the settings, and hands to the code it runs.

Nothing reads the environment or builds a broker at import. Each entry point configures
its process explicitly, once: the CLI's commands read the settings when they run and build
what they use (``build_backends``, ``worker.queue.broker.build_broker``); each ``callrec worker``
process is configured by :func:`start_worker`, which Dramatiq calls by name; tests build
their own from their own settings.

:class:`Backends` is every backend a job needs besides its input: the vault (object and key
stores of each served region), the speech recognizer for spoken card data, the remote
source readers (``s3://``, ``https://``), the redaction config and the beep. It is built
once (:func:`build_backends`) and passed in, as httpx passes a transport, so a test hands
``process_call`` a fake recognizer or a vault with a fixed clock without touching globals
or the environment.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from worker.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from audio.beep import BeepSpec
    from redaction.config import RedactionConfig
    from redaction.recognizer import Recognizer
    from redaction.words import TimedWord
    from vault.vault import Vault
    from worker.calls.sources import RemoteSource

#: The remote source readers (by URI scheme) of a call stored in a region.
RemoteSources = Callable[[str], Mapping[str, "RemoteSource"]]


@dataclass(frozen=True)
class Backends:
    """Every backend a job needs besides its input, built once and passed in."""

    settings: Settings
    vault: Vault
    #: Finds spoken card data when a call has no transcript; None: keyed digits only.
    recognizer: Recognizer | None
    remotes: RemoteSources
    redaction: RedactionConfig
    beep: BeepSpec

    def copy(self, **changes: object) -> Backends:
        """These backends with some replaced (a test's fake recognizer, a vault's clock)."""
        return dataclasses.replace(self, **changes)


class OnDemand:
    """The recognizer ``make()`` gives, made when a call first needs it (a model loads only
    for a call with speech to check, not at start) and asked again for each stream it hears:
    the built-in recognizer keeps per-stream state, so each stream gets a fresh one, while
    Whisper's ``make()`` returns the process's one loaded model. Worker threads share it."""

    def __init__(self, make: Callable[[], Recognizer]) -> None:
        self._make = make

    @functools.cached_property
    def _first(self) -> Recognizer:
        return self._make()

    @property
    def name(self) -> str:
        return self._first.name

    @property
    def version(self) -> str:
        return self._first.version

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
        return self._make().recognize(blocks, rate_hz)

    def recognize_again(self, blocks: Iterable[np.ndarray], rate_hz: int,
                        masked_s: Sequence[tuple[float, float]]) -> Iterator[TimedWord]:
        """Verification of a masked output (``redaction.recognizer.Relistening``): through the
        made recognizer's ``recognize_again`` when it has one (Whisper hears again only what
        masking may have changed), else ``recognize`` (the built-in hears it whole). Without
        this the pipeline's verification had Whisper hear every window a mask touched again."""
        made = self._make()
        again = getattr(made, "recognize_again", None)
        return again(blocks, rate_hz, masked_s) if again is not None else made.recognize(blocks, rate_hz)

    def recognize_sounding(self, blocks: Iterable[np.ndarray], rate_hz: int, sounds: list[tuple[float, float]],
                           speech: list[tuple[float, float]] | None = None) -> Iterator[TimedWord]:
        """Pass 1 with the number sounds the made recognizer heard (``redaction.recognizer.
        Sounding``), when it says them; else ``recognize`` and no sounds (masks stay whole)."""
        made = self._make()
        sounding = getattr(made, "recognize_sounding", None)
        return sounding(blocks, rate_hz, sounds, speech) if sounding is not None else made.recognize(blocks, rate_hz)


def build_backends(settings: Settings, **changes: object) -> Backends:
    """The backends ``settings`` name (nothing is contacted yet); ``changes`` replace some
    (keyword per field of :class:`Backends`), and those are not built at all."""
    from redaction.speech.lookahead import one_malloc_arena
    from worker.calls.assemble import beep_spec
    from worker.calls.recognizers import CHOICES, make_recognizer
    from worker.calls.redacting import config_from
    from worker.calls.sources import default_remotes
    from worker.vaults import build_vault

    one_malloc_arena()  # before the process's threads make arenas of their own (lookahead.py)

    def recognizer() -> Recognizer | None:
        if settings.recognizer not in CHOICES or settings.recognizer == "none":
            return make_recognizer(settings)  # None, or UsageError naming the choices
        return OnDemand(functools.partial(make_recognizer, settings))

    built: dict[str, Callable[[], object]] = {
        "vault": lambda: build_vault(settings),
        "recognizer": recognizer,
        "remotes": lambda: functools.partial(default_remotes, settings),
        "redaction": lambda: config_from(settings),
        "beep": lambda: beep_spec(settings),
    }
    unknown = sorted(set(changes) - set(built))
    if unknown:
        raise TypeError(f"build_backends: no backend named {unknown[0]!r}")
    return Backends(settings=settings, **{name: changes[name] if name in changes else make()
                                          for name, make in built.items()})


def start_worker() -> None:
    """Configure a ``callrec worker`` process (Dramatiq calls this by name, as its broker
    setup): read the settings once, build the broker, the backends and the job runner, and
    declare the actors on that broker with them."""
    import dramatiq

    from worker.queue.actors import declare_actors
    from worker.queue.broker import build_broker
    from worker.queue.runner import job_runner
    from worker.workdirs import settle_temp_dir

    settle_temp_dir()  # inherited from the master when forked; spawned, settled here
    settings = Settings.from_env()
    broker = build_broker(settings)
    dramatiq.set_broker(broker)
    declare_actors(broker, job_runner(broker.client, settings), build_backends(settings))
