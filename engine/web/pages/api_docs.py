"""The JSON API's documentation as a page: every route, its parameters and answers, from the
same OpenAPI description ``/api/v1/openapi.json`` serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.routing import Mount

from govpath.web.context import render

router = APIRouter()
METHODS = ("get", "post", "put", "patch", "delete")


def api_description(request: Request) -> dict[str, Any]:
    """The mounted API's OpenAPI document."""
    for route in request.app.routes:
        if isinstance(route, Mount) and route.path == "/api/v1" and isinstance(route.app, FastAPI):
            return route.app.openapi()
    return {"paths": {}, "info": {"title": "govpath API", "version": ""}}


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of DOC in path order: method, path, summary, description, parameters,
    request body fields and response codes."""
    out = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            schema = doc.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
            out.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": "/api/v1" + path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tag": (op.get("tags") or ["other"])[0],
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", "")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [
                        {"name": n, "description": f.get("description", "")}
                        for n, f in schema.get("properties", {}).items()
                    ],
                    "responses": [
                        {"code": c, "description": r.get("description", "")}
                        for c, r in op.get("responses", {}).items()
                    ],
                }
            )
    return out


@router.get("/api/v1/docs")
def api_docs(request: Request) -> Response:
    doc = api_description(request)
    return render(
        request,
        "api_docs.html",
        title="API documentation",
        info=doc.get("info", {}),
        operations=operations(doc),
    )
