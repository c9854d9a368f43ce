"""The write operations of the OpenAPI schema, for tests that go through every endpoint."""

from drf_spectacular.generators import SchemaGenerator

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
WRITES = ("post", "put", "patch")


def operations(content_type: str | None):
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            if method not in WRITES:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if content_type is None or content_type in content:
                yield path, method, content.get(content_type or "application/json", {}).get("schema")


def properties(schema) -> dict:
    if not schema:
        return {}
    if "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})
