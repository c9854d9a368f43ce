import pytest
from django.core.management import call_command


def test_it_validates_the_openapi_schema_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "ErrorEnvelope" in text
    assert "jwtAuth" in text


@pytest.mark.django_db
def test_it_serves_docs_from_local_files_only(api_client):
    for path in ("/api/docs/", "/api/redoc/"):
        response = api_client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert "drf_spectacular_sidecar" in html
        assert "cdn" not in html.lower()
        assert "https://" not in html.split("<body", 1)[-1]
