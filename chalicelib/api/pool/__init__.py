"""The public, read-only API of the pool (a Chalice blueprint; app.py registers it).

Where things are:

* :mod:`.routing` – the blueprint, the :func:`~.routing.route` decorator every endpoint is
  made with (unknown parameters → 400, errors → clean 4xx/500) and the route table;
* :mod:`.params` – query parameters → validated values and :class:`Query` objects;
* :mod:`.cdp` – the old Common Data Pool's ``/backend/...`` paths and JSON shapes;
* :mod:`.search` – ``/search`` (full text, facets, any-field filters and sort, cursors),
  ``/records/{id}``, ``/geojson`` (filters, bbox, radius, cursors), ``/map`` (clusters);
* :mod:`.download` – ``/download``: every column as CSV, TSV or JSON, continued by cursor
  beyond Lambda's response limit;
* :mod:`.quality` – ``/quality``: the validator's verdicts over the pool;
* :mod:`.openapi` – ``/openapi.json``, generated from the route table.

Importing this package registers every route on :data:`pool_api`.
"""

from chalicelib.api.pool import cdp, download, openapi, quality, search
from chalicelib.api.pool.routing import ROUTES, pool_api

__all__ = ["ROUTES", "cdp", "download", "openapi", "pool_api", "quality", "search"]
