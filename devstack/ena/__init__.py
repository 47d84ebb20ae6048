"""A tiny stand-in for the ENA portal API's ``/search`` (analysis and read_run files).

Serves canned rows for given sample accessions the way ``chalicelib.harvest.ena`` reads
the real service: ``GET|POST /ena/portal/api/search`` with ``result``, ``query``
(``sample_accession="…"`` terms joined by OR), ``fields``, ``format`` (json|tsv) and
``limit``; 204 with an empty body when nothing matches. Start it with
``python -m devstack.ena --port 0 --data rows.json`` (``{"analysis": [...],
"read_run": [...]}``); it prints ``ENA stand-in listening on URL``.
"""

from devstack.ena.server import EnaStandIn, make_server

__all__ = ["EnaStandIn", "make_server"]
