"""UID write and read throughput against the local DynamoDB (a moto server).

Stores generated records of one submission with the repository's batch writes (the ingest
step's path), then reads them back a page at a time (the API's path). moto is far slower
than DynamoDB; the figure bounds what the local stack and the tests can do.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

ANIMALS = 2_000
SAMPLES_PER_ANIMAL = 2


def run() -> list[tuple[str, str, str, str]]:
    from chalicelib import aws
    from chalicelib.config import get_settings
    from chalicelib.ingest import parse_file
    from chalicelib.ingest.generate import generate
    from chalicelib.uid import repository
    from devstack.moto_server import FAKE_CREDENTIALS, start_moto
    from devstack.ports import free_port
    from devstack.provision import provision

    scale = float(os.environ.get("IMAGEPOOL_BENCH_SCALE", "1.0"))
    animals = max(10, int(ANIMALS * scale))
    with tempfile.TemporaryDirectory(prefix="bench-uid-") as tmp:
        server = start_moto(free_port(), Path(tmp) / "moto.log")
        saved = dict(os.environ)
        try:
            os.environ.update(FAKE_CREDENTIALS)
            os.environ.update({"AWS_ENDPOINT_URL": server.url, "AWS_DEFAULT_REGION": "eu-west-1",
                               "STAGE": "local", "RESOURCE_PREFIX": "imagepool-bench"})
            aws.reset_clients()
            settings = get_settings()
            provision(aws.client, stack_name=settings.prefix, region=settings.region)
            path = Path(tmp) / "data.sql"
            generate(animals, SAMPLES_PER_ANIMAL, "cryoweb", 11, path)
            records = parse_file(path).records
            started = time.perf_counter()
            outcome = repository.store_records("bench-team", "bench-sub", records)
            write_s = time.perf_counter() - started
            assert outcome.added == len(records)
            repository.SubmissionModel("bench-team", "bench-sub",
                                       created_at=repository.now(),
                                       updated_at=repository.now()).save()
            started = time.perf_counter()
            cursor, read = None, 0
            while True:
                page = repository.records_page("bench-team", "bench-sub", limit=500,
                                               cursor=cursor)
                assert page is not None
                read += len(page["results"])
                cursor = page["next"]
                if not cursor:
                    break
            read_s = time.perf_counter() - started
            started = time.perf_counter()
            again = repository.store_records("bench-team", "bench-sub", records)
            reload_s = time.perf_counter() - started
            assert again.unchanged == len(records)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            aws.reset_clients()
            server.stop()
    size = f"{len(records):,} records (moto server)"
    return [
        ("UID batch write (store_records)", size, f"{len(records) / write_s:,.0f}",
         "records/s"),
        ("UID paged read (records_page, 500/page)", size, f"{read / read_s:,.0f}",
         "records/s"),
        ("UID reload of an unchanged file (hash compare)", size,
         f"{len(records) / reload_s:,.0f}", "records/s"),
    ]
