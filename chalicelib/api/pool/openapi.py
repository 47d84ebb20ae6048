"""``/openapi.json``: the OpenAPI 3 description, generated from the route table."""

from __future__ import annotations

from typing import Any

from chalicelib.api.pool.links import base_url
from chalicelib.api.pool.routing import ROUTES, RouteDoc, pool_api
from chalicelib.auth.access import public
from chalicelib.search.mappings import FILTERABLE

TITLE = "IMAGE Pool – public pool API"
DESCRIPTION = ("The public, read-only API of the IMAGE pool: the old Common Data Pool's "
               "paths and shapes under /backend/, plus search, GeoJSON, map clusters, "
               "downloads and a data-quality report.")


def _operation(r: RouteDoc) -> dict[str, Any]:
    parameters = []
    for p in r.params:
        schema: dict[str, Any] = {"type": p.type}
        if p.enum:
            schema["enum"] = list(p.enum)
        if p.repeated:
            schema = {"type": "array", "items": schema}
        parameters.append({"name": p.name, "in": p.where, "required": p.where == "path",
                           "description": p.description, "schema": schema,
                           **({"explode": True} if p.repeated else {})})
    if r.field_filters:
        parameters.append({
            "name": "filters", "in": "query", "required": False, "style": "form",
            "explode": True, "schema": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": "string"}}},
            "description": "Any field as a parameter filters on it; repeat it for OR. "
                           "Date and number fields also take <field>.gte / <field>.lte. "
                           f"Fields: {', '.join(sorted(FILTERABLE))}."})
    content = {ctype: {"schema": {"type": "object"} if "json" in ctype else {
        "type": "string"}} for ctype in r.produces}
    error = {"description": "Bad parameters", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    slug = r.path.strip("/").replace("/", "_").replace(".", "_").replace("{", "").replace(
        "}", "")
    return {"summary": r.summary, "tags": [r.tag],
            "operationId": f"{r.view.__name__ if r.view else r.path}_{slug}",
            "parameters": parameters,
            "responses": {"200": {"description": "OK", "content": content},
                          "400": error, "404": {"description": "Not found"}}}


def openapi_spec() -> dict[str, Any]:
    """OpenAPI 3.0 description of every route in :data:`ROUTES`."""
    paths: dict[str, Any] = {}
    for r in ROUTES:
        # the old API's paths end with a slash (the router accepts both)
        paths[r.path + "/" if r.path.startswith("/backend") else r.path] = {
            "get": _operation(r)}
    paths["/openapi.json"] = {"get": {"summary": "This description.", "tags": ["meta"],
                                      "operationId": "openapi",
                                      "responses": {"200": {"description": "OpenAPI 3"}}}}
    return {"openapi": "3.0.3",
            "info": {"title": TITLE, "version": "1.0.0", "description": DESCRIPTION},
            "servers": [{"url": base_url() or "/"}],
            "paths": paths,
            "components": {"schemas": {"Error": {"type": "object", "properties": {
                "message": {"type": "string"}, "status": {"type": "integer"}},
                "required": ["message"]}}}}


@pool_api.route("/openapi.json", methods=["GET"], cors=True)
@public
def openapi() -> dict[str, Any]:
    """The OpenAPI 3 description, generated from the route table."""
    return openapi_spec()
