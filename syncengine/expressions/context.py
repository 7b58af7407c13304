"""What an evaluation may depend on besides the source object: clock, GUIDs, randomness, uniqueness."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def _random_guid() -> str:
    return str(uuid.uuid4())


def seeded_guid_factory(seed: int) -> Callable[[], str]:
    """A GUID source that yields the same sequence of version-4 GUIDs for the same seed."""
    rng = random.Random(seed)

    def next_guid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    return next_guid


@dataclass(frozen=True)
class EvalContext:
    """The outside world as an expression sees it; pass a fixed one to make evaluation deterministic.

    ``now``: the current UTC time for Now() and FormatDateTime's missing date (None: the wall clock).
    ``guid_factory``: source of Guid() values. ``rng``: randomness for RandomString (None: the OS).
    ``unique_check``: SelectUniqueValue's question to the target, True when a value is still free.
    """

    now: datetime | None = None
    guid_factory: Callable[[], str] = _random_guid
    unique_check: Callable[[str], bool] | None = None
    rng: random.Random | None = field(default=None, compare=False)

    @classmethod
    def deterministic(
        cls, seed: int, now: datetime, unique_check: Callable[[str], bool] | None = None
    ) -> EvalContext:
        """A context whose GUIDs and random strings follow ``seed`` and whose clock stands at ``now``."""
        return cls(now, seeded_guid_factory(seed), unique_check, random.Random(seed))

    def current_time(self) -> datetime:
        """``now`` in UTC (a naive ``now`` is taken as UTC)."""
        if self.now is None:
            return datetime.now(UTC)
        return self.now.replace(tzinfo=UTC) if self.now.tzinfo is None else self.now.astimezone(UTC)

    def random(self) -> random.Random:
        return self.rng if self.rng is not None else random.SystemRandom()
