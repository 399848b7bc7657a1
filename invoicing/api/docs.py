"""The API's docs page: the served OpenAPI schema rendered as a plain page (no third-party
JavaScript, so it works offline and under the site's Content-Security-Policy)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from invoicing.api.endpoints import api


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_schema_name(schema.get('items', {}))}"
    if "anyOf" in schema:
        return " or ".join(_schema_name(option) for option in schema["anyOf"])
    return str(schema.get("format") or schema.get("type") or "any")


def _fields(component: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(component.get("required", []))
    return [
        {
            "name": name,
            "type": _schema_name(spec),
            "required": name in required,
            "description": spec.get("description", ""),
        }
        for name, spec in component.get("properties", {}).items()
    ]


def api_outline() -> dict[str, Any]:
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "type": _schema_name(parameter.get("schema", {})),
                            "required": parameter.get("required", False),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": _schema_name(body["schema"]) if body else "",
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    models = [
        {"name": name, "fields": _fields(component)}
        for name, component in sorted(components.items())
    ]
    return {"info": schema.get("info", {}), "operations": operations, "models": models}


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "api/docs.html",
        {"outline": api_outline(), "schema_url": reverse("api_v1:openapi-json")},
    )
