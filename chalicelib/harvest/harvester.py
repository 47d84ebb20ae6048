"""The harvest service: IMAGE records from BioSamples into the pool (no SQS here).

Why it works this way (the old CDP's pain points in ``/work/shared/spec/cdp-and-portal.md``
§2 and §4):

* **Pages, not GETs.** One cursor-mode search (``filter=attr:project:IMAGE``, ``size=200``)
  returns whole records; the old importer fetched every accession separately.
* **Full runs build a new index and swap the alias** only if the result looks sane: a
  BioSamples outage (HTML pages, 5xx after retries) or a sudden drop in counts (more than
  ``max_drop`` of the current pool) stops the swap and comes back as anomalies for the
  caller to tell operators. The pool is never emptied by a bad run, and since the new
  index holds only what was harvested, withdrawn or private records leave the pool (the
  old CDP never deleted anything).
* **Incremental runs** ask only for records updated since the last good run
  (``dt:update:from=…``, minus an overlap for BioSamples' index lag) and upsert them.
* **Time budget.** A Lambda invocation is bounded; when the budget runs low the run stops
  after a page and returns a :class:`Checkpoint` (cursor, run id, index, counts) that the
  next call continues from. The checkpoint is also saved in the :class:`RunStateStore`.
* Reverse links (children, specimens) are recomputed from the index after loading, so the
  harvester needs memory for one page, not for the pool. Full runs pre-fill them from the
  incoming links BioSamples lists on each record, so only wrong guesses are rewritten
  (re-indexing every animal a second time cost a third of the run).
* **Overlapped steps.** The next page is fetched, transformed and validated in a
  prefetch thread (:mod:`chalicelib.harvest.pipeline`) while this page is bulk-indexed;
  the checkpoint still advances only after a page is indexed.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from chalicelib.harvest.dadis import DadisTable
from chalicelib.harvest.pipeline import Prefetcher
from chalicelib.harvest.state import Checkpoint, RunState, RunStateStore
from chalicelib.harvest.transform import (
    ORGANISM,
    SPECIMEN,
    QualityChecker,
    ReverseLinks,
    documents_for_page,
    predicted_reverse_links,
)
from chalicelib.search.mappings import schema_version
from chalicelib.search.port import Query, SearchBackend, versioned_name
from chalicelib.submit.biosamples_client import (
    BioSamplesBadResponse,
    BioSamplesError,
    SearchPage,
)

LOG = logging.getLogger(__name__)
IMAGE_FILTER = "attr:project:IMAGE"
#: What the reverse-link passes read of each document (not the whole document).
LINK_FIELDS = ("record_type", "child_of", "derived_from", "children", "specimens")
FULL, INCREMENTAL = "full", "incremental"


class SampleSource(Protocol):
    """What the harvester needs from BioSamples (``BioSamplesClient`` satisfies it)."""

    def search(self, filters: Sequence[str] = (), *, text: str | None = None,
               size: int = 200, cursor: str = "*",
               apply_curations: bool = True) -> Iterable[SearchPage]:
        """Cursor-mode pages following ``next``."""
        ...


class FileSource(Protocol):
    """Data files of samples (``chalicelib.harvest.ena.EnaClient`` satisfies it)."""

    def file_documents(self, specimens: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """File documents (``record_type: file``) of the given specimen documents."""
        ...


@dataclass(frozen=True)
class Anomaly:
    """Something an operator must look at; it stopped the swap or the run."""

    kind: str  # "source_unavailable" | "bad_response" | "count_drop" | "empty"
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class HarvestResult:
    """What a call did: ``done``, ``partial`` (continue from ``checkpoint``) or ``aborted``."""

    run_id: str
    mode: str
    status: str
    index: str | None
    swapped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    checkpoint: Checkpoint | None = None

    def raise_for_anomalies(self) -> None:
        """Raise :class:`HarvestAnomaly` if the run found anything wrong."""
        if self.anomalies:
            raise HarvestAnomaly(self)


class HarvestAnomaly(RuntimeError):
    """A harvest stopped for an operator to look at (see ``result.anomalies``)."""

    def __init__(self, result: HarvestResult) -> None:
        super().__init__("; ".join(f"{a.kind}: {a.message}" for a in result.anomalies))
        self.result = result


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cursor_of(url: str | None) -> str | None:
    """The ``cursor`` parameter of a ``next`` link."""
    if not url:
        return None
    values = parse_qs(urlparse(url).query).get("cursor")
    return values[0] if values else None


class Harvester:
    """Harvest runs over one BioSamples source into one pool alias."""

    def __init__(self, source: SampleSource, backend: SearchBackend, state: RunStateStore, *,
                 page_size: int = 200, max_drop: float = 0.2,
                 filters: Sequence[str] = (IMAGE_FILTER,), dadis: DadisTable | None = None,
                 files: FileSource | None = None, overlap: timedelta = timedelta(minutes=10),
                 keep_previous: int = 1, index_batch: int = 1000,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if not 1 <= page_size <= 200:
            raise ValueError("BioSamples pages hold at most 200 records")
        self.source = source
        self.backend = backend
        self.state = state
        self.page_size = page_size
        self.max_drop = max_drop
        self.filters = tuple(filters)
        self.dadis = dadis
        self.files = files
        self.overlap = overlap
        self.keep_previous = keep_previous
        self.index_batch = index_batch
        self.clock = clock
        self.now = now
        self.checker = QualityChecker()

    # -- entry points ----------------------------------------------------------------------

    def run(self, mode: str = FULL, *, time_budget: float | None = None,
            force: bool = False) -> HarvestResult:
        """Start a run, or continue the saved checkpoint of the same mode.

        ``time_budget`` (seconds) bounds this call; ``force`` swaps even when the counts
        dropped (an operator's decision after reading the anomaly).
        """
        if mode not in (FULL, INCREMENTAL):
            raise ValueError(f"mode must be {FULL!r} or {INCREMENTAL!r}")
        state = self.state.load()
        checkpoint = state.checkpoint
        if checkpoint is not None and checkpoint.mode != mode:
            LOG.warning("abandoning %s run %s for a %s run", checkpoint.mode,
                        checkpoint.run_id, mode)
            self._abandon(checkpoint)
            checkpoint = None
        if checkpoint is None:
            if mode == INCREMENTAL and (not state.last_good_run
                                        or self.backend.current_index() is None):
                mode = FULL  # nothing to build on yet
            elif mode == INCREMENTAL and state.schema != schema_version():
                LOG.info("the live index was built for schema %s, not %s: full run",
                         state.schema, schema_version())
                mode = FULL
            checkpoint = self._start(mode, state)
            state.checkpoint = checkpoint
            self.state.save(state)
        with fewer_collections():
            return self._continue(state, checkpoint, time_budget, force)

    def full(self, *, time_budget: float | None = None, force: bool = False) -> HarvestResult:
        """A full run (new index, sanity checks, alias swap)."""
        return self.run(FULL, time_budget=time_budget, force=force)

    def incremental(self, *, time_budget: float | None = None) -> HarvestResult:
        """Records updated since the last good run, upserted into the live index."""
        return self.run(INCREMENTAL, time_budget=time_budget)

    # -- internals -------------------------------------------------------------------------

    def _start(self, mode: str, state: RunState) -> Checkpoint:
        run_id = uuid.uuid4().hex
        started = self.now()
        if mode == FULL:
            index = versioned_name(self.backend.alias, started, run_id[:6])
            self.backend.create_index(index)
            since = None
        else:
            current = self.backend.current_index()
            assert current is not None and state.last_good_run is not None
            index = current
            since = _iso(_parse_iso(state.last_good_run) - self.overlap)
        LOG.info("harvest %s %s into %s", mode, run_id, index)
        return Checkpoint(run_id=run_id, mode=mode, started_at=_iso(started), index=index,
                          since=since, counts={"seen": 0, ORGANISM: 0, SPECIMEN: 0,
                                               "skipped": 0})

    def _abandon(self, checkpoint: Checkpoint) -> None:
        if checkpoint.mode == FULL and checkpoint.index != self.backend.current_index():
            try:
                self.backend.drop_index(checkpoint.index)
            except (LookupError, ValueError) as exc:
                LOG.info("could not drop %s: %s", checkpoint.index, exc)

    def _filters(self, checkpoint: Checkpoint) -> list[str]:
        filters = list(self.filters)
        if checkpoint.since:
            filters.append(f"dt:update:from={checkpoint.since}")
        return filters

    def _continue(self, state: RunState, cp: Checkpoint, time_budget: float | None,
                  force: bool) -> HarvestResult:
        deadline = None if time_budget is None else self.clock() + time_budget
        result = HarvestResult(cp.run_id, cp.mode, "partial", cp.index, counts=cp.counts)
        changed: list[dict[str, Any]] = []
        previous: dict[str, dict[str, Any]] = {}
        page_time = 0.0
        try:
            if cp.cursor:
                # look ahead by two groups: while the engine indexes one group, the
                # next one is fetched and transformed (a shallower queue let the
                # engine idle while Python caught up, and the other way round)
                ahead = 2 * max(1, -(-self.index_batch // self.page_size))
                with Prefetcher(lambda: self._transformed_pages(cp), depth=ahead) as pages:
                    for group in grouped(pages, self.index_batch):
                        began = self.clock()
                        docs = [d for _, page_docs in group for d in page_docs]
                        if cp.mode == INCREMENTAL:
                            for old in self.backend.get_many([d["id"] for d in docs],
                                                             cp.index):
                                previous[old["id"]] = old
                            changed += docs
                        self.backend.bulk_index(cp.index, docs)
                        for page, page_docs in group:
                            cp.counts["seen"] += len(page.samples)
                            cp.counts["skipped"] += len(page.samples) - len(page_docs)
                            cp.pages += 1
                        for d in docs:
                            cp.counts[d["record_type"]] = cp.counts.get(d["record_type"],
                                                                        0) + 1
                        last = group[-1][0]
                        cp.cursor = cursor_of(last.next_url) or "" if last.samples else ""
                        page_time = max(page_time, self.clock() - began)
                        state.checkpoint = cp
                        self.state.save(state)
                        if not cp.cursor:
                            break
                        if deadline is not None and self.clock() + 2 * page_time > deadline:
                            if cp.mode == INCREMENTAL:
                                self._relink_after_update(cp.index, changed, previous)
                            result.checkpoint = cp
                            return result
                    else:
                        cp.cursor = ""
        except BioSamplesBadResponse as exc:
            return self._stop(state, cp, result, Anomaly(
                "bad_response", f"BioSamples answered with something other than JSON: "
                                f"{exc.message}", {"url": exc.url, "status": exc.status}))
        except BioSamplesError as exc:
            return self._stop(state, cp, result, Anomaly(
                "source_unavailable", f"BioSamples failed: {exc.message}",
                {"url": exc.url, "status": exc.status}))
        if cp.mode == INCREMENTAL:
            self._relink_after_update(cp.index, changed, previous)
            if self.files is not None:
                self._attach_files(cp.index, [d for d in changed
                                              if d["record_type"] == SPECIMEN])
            self.backend.finish_loading(cp.index)
            state.last_good_run = cp.started_at
            state.checkpoint = None
            self.state.save(state)
            result.status = "done"
            return result
        return self._finish_full(state, cp, result, force)

    def _transformed_pages(self, cp: Checkpoint) -> Iterator[tuple[SearchPage,
                                                                    list[dict[str, Any]]]]:
        """Pages from the cursor on, each with its documents (runs in the prefetch thread).

        Full runs pre-fill each animal's reverse links from the incoming relationships
        BioSamples lists on the record; :meth:`_finish_full` then rewrites only the
        documents whose links differ from the ones computed across the harvested set,
        instead of re-indexing every animal.
        """
        for page in self.source.search(self._filters(cp), size=self.page_size,
                                       cursor=cp.cursor):
            docs = documents_for_page(page.samples, dadis=self.dadis, checker=self.checker)
            if cp.mode == FULL and docs:
                by_id = {s.get("accession"): s for s in page.samples}
                for doc in docs:
                    if doc["record_type"] == ORGANISM:
                        doc.update(predicted_reverse_links(by_id[doc["id"]]))
            yield page, docs

    def _stop(self, state: RunState, cp: Checkpoint, result: HarvestResult,
              anomaly: Anomaly) -> HarvestResult:
        """The source failed: keep the checkpoint (a later call may continue), no swap."""
        LOG.error("harvest %s stopped: %s", cp.run_id, anomaly.message)
        state.checkpoint = cp
        self.state.save(state)
        result.status = "aborted"
        result.anomalies.append(anomaly)
        result.checkpoint = cp
        return result

    def _finish_full(self, state: RunState, cp: Checkpoint, result: HarvestResult,
                     force: bool) -> HarvestResult:
        index = cp.index
        self.backend.finish_loading(index)
        links = ReverseLinks()
        # reverse links pre-filled at indexing time (see _transformed_pages), by id
        filled: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for doc in self.backend.iterate(Query(filters={"record_type": (ORGANISM, SPECIMEN)}),
                                        index=index, fields=LINK_FIELDS):
            links.add(doc)
            if doc.get("children") or doc.get("specimens"):
                filled[doc["id"]] = (tuple(doc.get("children") or ()),
                                     tuple(doc.get("specimens") or ()))
        self.backend.update_fields(index, _link_updates(links, filled))
        if self.files is not None:
            specimens = self.backend.iterate(Query(filters={"record_type": (SPECIMEN,)}),
                                             index=index)
            batch: list[dict[str, Any]] = []
            for doc in specimens:
                batch.append(doc)
                if len(batch) >= 100:
                    self._attach_files(index, batch)
                    batch = []
            if batch:
                self._attach_files(index, batch)
        self.backend.finish_loading(index)
        new_counts = {kind: self.backend.count(Query(filters={"record_type": (kind,)}),
                                               index=index) for kind in (ORGANISM, SPECIMEN)}
        current = self.backend.current_index()
        old_counts = {kind: self.backend.count(Query(filters={"record_type": (kind,)}))
                      for kind in (ORGANISM, SPECIMEN)} if current else {}
        result.counts = dict(cp.counts, **{f"indexed_{k}": v for k, v in new_counts.items()})
        anomalies = self._sanity(old_counts, new_counts)
        state.checkpoint = None
        if anomalies and not force:
            LOG.error("harvest %s not swapped: %s", cp.run_id, anomalies)
            self.state.save(state)
            result.status = "aborted"
            result.anomalies = anomalies
            return result
        result.anomalies = anomalies
        self.backend.optimize(index)
        self.backend.swap_alias(index)
        result.swapped = True
        self._cleanup(index)
        state.last_good_run = cp.started_at
        state.last_full_run = cp.started_at
        state.last_counts = new_counts
        state.schema = schema_version()
        self.state.save(state)
        result.status = "done"
        return result

    def _sanity(self, old: dict[str, int], new: dict[str, int]) -> list[Anomaly]:
        """Refuse an empty pool or a sudden drop against the live one."""
        out: list[Anomaly] = []
        old_total, new_total = sum(old.values()), sum(new.values())
        if new_total == 0:
            out.append(Anomaly("empty", "the harvest found no IMAGE records",
                               {"old": old, "new": new}))
        elif old_total and new_total < old_total * (1 - self.max_drop):
            out.append(Anomaly(
                "count_drop", f"the pool would shrink from {old_total} to {new_total} "
                              f"records (more than {self.max_drop:.0%})",
                {"old": old, "new": new}))
        return out

    def _cleanup(self, live: str) -> None:
        """Drop old indexes, keeping the ``keep_previous`` newest for a rollback."""
        older = [i for i in self.backend.list_indexes() if i != live]
        for name in older[:max(0, len(older) - self.keep_previous)]:
            self.backend.drop_index(name)

    def _relink_after_update(self, index: str, changed: list[dict[str, Any]],
                             previous: dict[str, dict[str, Any]]) -> None:
        """Recompute the reverse links an incremental batch may have touched."""
        if not changed:
            return
        affected: set[str] = set()
        for doc in [*changed, *previous.values()]:
            if doc.get("record_type") == ORGANISM:
                affected.add(doc["id"])
                affected.update(doc.get("child_of") or [])
            elif doc.get("derived_from"):
                affected.add(doc["derived_from"])
        self.backend.finish_loading(index)
        targets = sorted(affected)
        links = ReverseLinks()
        for start in range(0, len(targets), 500):
            chunk = tuple(targets[start:start + 500])
            for field_name in ("child_of", "derived_from"):
                for doc in self.backend.iterate(Query(filters={field_name: chunk}),
                                                index=index, fields=LINK_FIELDS):
                    links.add(doc)
        self.backend.update_fields(index, ((acc, links.partial(acc)) for acc in targets))
        changed.clear()
        previous.clear()

    def _attach_files(self, index: str, specimens: list[dict[str, Any]]) -> None:
        """Index the data files of some specimens and list them on each specimen."""
        if self.files is None or not specimens:
            return
        files = self.files.file_documents(specimens)
        self.backend.bulk_index(index, files)
        by_specimen: dict[str, list[str]] = {s["id"]: [] for s in specimens}
        for f in files:
            by_specimen.setdefault(f["specimen"], []).append(f["id"])
        self.backend.update_fields(index, ((acc, {"files": sorted(ids)})
                                           for acc, ids in by_specimen.items()))


@contextmanager
def fewer_collections(threshold: int = 100_000) -> Iterator[None]:
    """Let the garbage collector run less often during a run.

    A harvest allocates millions of short-lived, acyclic objects (reference counting frees
    them); with CPython's default threshold (700 allocations) the collector ran every few
    records and kept re-scanning the long-lived ruleset and terms, which cost about a third
    of the validation time. The objects alive at the start are frozen out of its scans.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def grouped(pages: Iterable[tuple[SearchPage, list[dict[str, Any]]]], min_docs: int,
            ) -> Iterator[list[tuple[SearchPage, list[dict[str, Any]]]]]:
    """Consecutive pages gathered until they hold ``min_docs`` documents, so the search
    engine gets bulk requests big enough to index in parallel. If the source fails, the
    pages gathered before the failure still come out (and get checkpointed) first."""
    group: list[tuple[SearchPage, list[dict[str, Any]]]] = []
    count = 0
    try:
        for item in pages:
            group.append(item)
            count += len(item[1])
            if count >= min_docs:
                yield group
                group, count = [], 0
    except Exception:
        if group:
            yield group
        raise
    if group:
        yield group


def _link_updates(links: ReverseLinks, filled: dict[str, tuple[tuple[str, ...],
                                                              tuple[str, ...]]],
                  ) -> Iterator[tuple[str, dict[str, Any]]]:
    """The reverse-link updates a full run still needs, in accession order.

    A target whose pre-filled links equal the computed ones is left alone; a target
    without pre-filled links gets them (as before, every existing target ends with its
    computed links); a document pre-filled with links nobody in the harvested set has
    (e.g. from a private record) is emptied again.
    """
    targets = links.targets()
    for acc in sorted(targets | set(filled)):
        partial = links.partial(acc)
        if acc in targets and filled.get(acc) == (tuple(partial["children"]),
                                                  tuple(partial["specimens"])):
            continue
        yield acc, partial


def harvester_from_settings(state: RunStateStore, settings: Any = None, *,
                            with_files: bool = True, **options: Any) -> Harvester:
    """A harvester wired from :func:`chalicelib.config.get_settings`: BioSamples and ENA
    of the stage, the configured search backend, and the caller's state store."""
    from chalicelib.config import get_settings
    from chalicelib.harvest.ena import EnaClient
    from chalicelib.search.factory import backend_from_settings
    from chalicelib.submit.biosamples_client import BioSamplesClient

    s = settings or get_settings()
    client = BioSamplesClient(s.biosamples_url, s.webin_auth_url)
    files = EnaClient(s.ena_portal_url) if with_files else None
    return Harvester(client, backend_from_settings(s), state, files=files, **options)
