"""``/quality``: the IMAGE validator's verdicts over the public pool."""

from __future__ import annotations

from typing import Any

from chalicelib.api.pool import params as p
from chalicelib.api.pool.params import Params
from chalicelib.api.pool.routing import P_Q, P_TYPE, route, search_backend
from chalicelib.harvest.transform import ORGANISM, SPECIMEN


@route("/quality", "Data quality of the pool: verdicts of the IMAGE validator, broken rules "
       "by field, per type and per gene bank.", (P_Q, P_TYPE), field_filters=True)
def quality(params: Params) -> dict[str, Any]:
    backend = search_backend()
    query = p.query(params, text_param="q", kind=p.record_type(params))
    if "record_type" not in query.filters:  # data files carry no verdict
        query = query.with_filter("record_type", ORGANISM, SPECIMEN)
    counts = backend.summary(query, ["quality_status", "record_type", "quality_errors",
                                     "quality_warnings", "quality_codes"], size=200)
    by_type = {}
    for kind in counts["record_type"]:
        by_type[kind] = backend.summary(query.with_filter("record_type", kind),
                                        ["quality_status"])["quality_status"]
    failing = backend.summary(query.with_filter("quality_status", "error"),
                              ["gene_bank_name"], size=200)["gene_bank_name"]
    total = sum(counts["record_type"].values())
    return {"count": total, "status": counts["quality_status"], "by_type": by_type,
            "errors_by_field": counts["quality_errors"],
            "warnings_by_field": counts["quality_warnings"],
            "codes": counts["quality_codes"], "gene_banks_with_errors": failing,
            "ruleset": "IMAGE sample ruleset (chalicelib/validate/data/sample_ruleset.json)"}
