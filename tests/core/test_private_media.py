from pathlib import Path

import pytest
from django.core import signing

from core import private_media
from core.private_media import delete_private, read_private, save_private, sign, signed_url
from tests.images import image_bytes

pytestmark = pytest.mark.django_db
PNG = image_bytes("PNG", (8, 8))


@pytest.fixture(autouse=True)
def _private_root(settings):
    settings.PRIVATE_MEDIA_ROOT = ""
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = ""


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_it_stores_files_under_random_names_outside_media_root(settings):
    first = save_private(PNG, "image/png", "things")
    second = save_private(PNG, "image/png", "things")
    assert first != second
    assert first.startswith("things/")
    assert first.endswith(".png")
    assert len(Path(first).stem) == 32
    stored = private_media.private_root() / first
    assert stored.read_bytes() == PNG
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert read_private(first) == PNG


def test_it_takes_the_extension_from_the_validated_type_only():
    assert save_private(b"jpeg bytes", "image/jpeg", "x").endswith(".jpg")
    with pytest.raises(ValueError, match="unsupported private media type"):
        save_private(b"<svg/>", "image/svg+xml", "x")


def test_it_has_no_public_url():
    name = save_private(PNG, "image/png", "things")
    with pytest.raises(ValueError, match="no public URL"):
        private_media.storage().url(name)


def test_it_honours_an_explicit_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "vault")
    name = save_private(PNG, "image/png", "things")
    assert (tmp_path / "vault" / name).exists()


def test_it_serves_a_file_through_a_signed_url(api_client, rf):
    name = save_private(PNG, "image/png", "things")
    url = signed_url(rf.get("/"), name)
    assert url.startswith("http://testserver/api/v1/media/")
    assert name not in url
    response = api_client.get(_path(url))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert "private" in response["Cache-Control"]


def test_it_refuses_an_expired_link(api_client, rf, settings, monkeypatch):
    settings.PRIVATE_MEDIA_URL_MAX_AGE = 600
    name = save_private(PNG, "image/png", "things")
    url = _path(signed_url(rf.get("/"), name))
    assert api_client.get(url).status_code == 200
    now = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 601)
    response = api_client.get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "media_link_expired"


def test_it_refuses_a_tampered_link(api_client):
    name = save_private(PNG, "image/png", "things")
    other = save_private(PNG, "image/png", "things")
    token = sign(name)
    payload, timestamp, signature = token.rsplit(":", 2)
    forged = signing.b64_encode(signing.JSONSerializer().dumps(other)).decode()
    for bad in (f"{forged}:{timestamp}:{signature}", f"{payload}:{timestamp}:{signature[:-2]}xx", "nonsense"):
        response = api_client.get(f"/api/v1/media/{bad}")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "media_link_invalid"


def test_it_rejects_tokens_signed_for_another_purpose(api_client):
    name = save_private(PNG, "image/png", "things")
    token = signing.TimestampSigner().sign_object(name)  # right key, wrong salt
    assert api_client.get(f"/api/v1/media/{token}").status_code == 403


def test_it_answers_404_once_the_file_is_deleted(api_client):
    name = save_private(PNG, "image/png", "things")
    delete_private(name)
    delete_private(name)  # deleting twice is fine
    response = api_client.get(f"/api/v1/media/{sign(name)}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_hands_the_file_to_nginx_when_configured(api_client, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private/"
    name = save_private(PNG, "image/png", "things")
    response = api_client.get(f"/api/v1/media/{sign(name)}")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{name}"
    assert response["Content-Type"] == "image/png"
    assert response.content == b""
