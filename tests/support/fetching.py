"""Blocking fetches for tests and benchmarks: :func:`fetch_many_sync` over the real Fetcher."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence

from pipeline.fetch.client import Fetcher, FetchPolicy, FetchResult


def fetch_many_sync(
    requests: Sequence[tuple[str, Mapping[str, str] | None]],
    policy: FetchPolicy = FetchPolicy(),  # noqa: B008 - frozen dataclass
) -> list[FetchResult]:
    """Blocking :meth:`Fetcher.fetch_many` for sync callers (runs its own event loop).

    Called from inside a running event loop, it runs in a helper thread instead of failing.
    """

    async def run() -> list[FetchResult]:
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch_many(requests)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    box: list[list[FetchResult]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            box.append(asyncio.run(run()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=worker, name="fetch_many_sync")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]
