"""OpenAPI: domain tags, the error envelope and JWT auth on every operation."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

# Swagger/ReDoc groups, in this order; an operation's tag comes from its path (the first prefix that matches).
TAGS = [
    {"name": "auth", "description": "Registration, JWT, WeChat login"},
    {"name": "album", "description": "The photo album classifier"},
    {"name": "geo", "description": "Photo or coordinates → named place, offline"},
    {"name": "image edits", "description": "Queued photo edits"},
    {"name": "billing", "description": "Products, WeChat Pay orders, credits"},
    {"name": "nail studio", "description": "Customers, inspirations, designs, services, private media"},
    {"name": "abilities", "description": "The nail artist's ability center"},
    {"name": "stats", "description": "Staff statistics"},
    {"name": "health", "description": "Liveness and readiness"},
]
_PREFIXES = (
    ("/api/v1/auth", "auth"),
    ("/api/v1/stats", "stats"),
    ("/api/v1/classify", "album"),
    ("/api/v1/local-classify", "album"),
    ("/api/v1/geo", "geo"),
    ("/api/v1/image-edits", "image edits"),
    ("/api/v1/billing", "billing"),
    ("/api/v1/abilities", "abilities"),
    ("/api/v1/health", "health"),
    ("/api/v1/", "nail studio"),  # customers, inspirations, designs, services, media
)


def tag_for(path: str) -> str:
    return next(tag for prefix, tag in _PREFIXES if path.startswith(prefix))


class AutoSchema(BaseAutoSchema):
    def get_tags(self) -> list[str]:
        return [tag_for(self.path)]


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorEnvelope"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for key, response in responses.items():  # a documented error code without a body has the envelope
                if key[0] in "45" and "content" not in response:
                    response["content"] = {"application/json": {"schema": ref}}
            for key, description in (("4XX", "Client error (error envelope)"), ("5XX", "Server error")):
                responses.setdefault(
                    key, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result


def add_tags(result, generator, request, public):
    result["tags"] = TAGS
    return result


def close_request_bodies(result, generator, request, public):
    """Request bodies are strict (core.serializers): say so, so that clients and fuzzers know."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
