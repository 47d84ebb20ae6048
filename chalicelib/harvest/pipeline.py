"""Run the producing half of a pipeline (fetch a BioSamples page, transform it) in a
background thread while the caller consumes (bulk-indexes) the previous item.

Why: a harvest step is fetch → parse → transform/validate → index. Done one after the
other, the search engine idles while Python transforms, and Python idles while the engine
indexes. With one item of look-ahead the two overlap (the indexing thread mostly waits on
a socket, which releases the GIL), and memory stays bounded by ``depth`` items.

Order and errors are preserved: items arrive in the producer's order, and an exception
raised by the producer is re-raised in the consumer at the position where it happened, so
pages before a failing page are still consumed (and checkpointed) first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_END = object()


class Prefetcher(Generic[T]):
    """Iterate ``produce()`` in a daemon thread, at most ``depth`` items ahead.

    Use as a context manager (or call :meth:`close`) so an early exit stops the thread
    before it fetches more than ``depth`` further items.
    """

    def __init__(self, produce: Callable[[], Iterator[T]], depth: int = 1) -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._produce = produce
        self._thread = threading.Thread(target=self._run, name="harvest-prefetch",
                                        daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._produce():
                if not self._put(item):
                    return
        except BaseException as exc:  # relayed to the consumer, in order
            self._put(_Failure(exc))
            return
        self._put(_END)

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        item = self._queue.get()
        if item is _END:
            self._queue.put(_END)  # stay exhausted
            raise StopIteration
        if isinstance(item, _Failure):
            self._queue.put(item)
            raise item.exc
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the producer (it finishes the item in hand, then exits)."""
        self._stop.set()
        while True:  # unblock a producer waiting on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=30)

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
