"""POST /api/v1/geo/locate through real requests: photos with and without GPS, coordinates, errors, schema."""

from io import BytesIO

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational as R

from geo.coords import gcj02_offset
from tests.images import upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/geo/locate"
G = ExifTags.GPS
PLACE_FIELDS = ("country_code", "country", "country_en", "province", "city", "district", "display_name")


def jpeg(gps: dict | None = None) -> bytes:
    buffer = BytesIO()
    kwargs = {}
    if gps is not None:
        exif = Image.Exif()
        exif[ExifTags.IFD.GPSInfo] = gps
        kwargs["exif"] = exif.tobytes()
    Image.new("RGB", (32, 24), (90, 160, 60)).save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


WEST_LAKE_GPS = {
    G.GPSLatitudeRef: "N",
    G.GPSLatitude: (R(30, 1), R(15, 1), R(3240, 100)),  # 30.2590
    G.GPSLongitudeRef: "E",
    G.GPSLongitude: (R(120, 1), R(7, 1), R(4800, 100)),  # 120.1300
    G.GPSAltitudeRef: 0,
    G.GPSAltitude: R(12, 1),
    G.GPSDateStamp: "2024:05:01",
    G.GPSTimeStamp: (R(8, 1), R(30, 1), R(15, 1)),
}


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_photo_with_gps_in_mainland(owner_client):
    response = owner_client.post(URL, {"image": upload(jpeg(WEST_LAKE_GPS))}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["located"] is True
    assert body["source"] == "exif"
    assert body["latitude"] == pytest.approx(30.259)
    assert body["longitude"] == pytest.approx(120.13)
    assert body["altitude"] == 12.0
    assert body["timestamp"] == "2024-05-01T08:30:15Z"
    assert (body["province"], body["city"], body["district"]) == ("浙江省", "杭州市", "西湖区")
    assert body["display_name"] == "浙江省杭州市西湖区"
    expected = gcj02_offset(body["latitude"], body["longitude"])
    assert (body["gcj02"]["latitude"], body["gcj02"]["longitude"]) == pytest.approx(expected)


def test_photo_without_gps_is_an_empty_answer(owner_client):
    response = owner_client.post(URL, {"image": upload(jpeg())}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body.pop("located") is False
    assert set(body) >= {"latitude", "longitude", "gcj02", *PLACE_FIELDS}
    assert all(value is None for value in body.values())


def test_photo_with_malformed_gps_is_an_empty_answer(owner_client):
    broken = {**WEST_LAKE_GPS, G.GPSLatitude: (R(30, 0), R(15, 1), R(0, 1))}
    response = owner_client.post(URL, {"image": upload(jpeg(broken))}, format="multipart")
    assert response.status_code == 200
    assert response.json()["located"] is False


def test_not_an_image_uses_the_shared_upload_errors(owner_client):
    response = owner_client.post(URL, {"image": upload(b"plain text, no pixels")}, format="multipart")
    assert_error(response, 400, "image_invalid")


def test_coordinates_in_hong_kong_have_no_gcj02(owner_client):
    response = owner_client.post(URL, {"latitude": 22.28, "longitude": 114.16}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "coordinates"
    assert (body["country_code"], body["country"], body["province"]) == ("HK", "中国香港", "香港特别行政区")
    assert body["gcj02"] is None
    assert body["altitude"] is None
    assert body["timestamp"] is None


def test_coordinates_abroad_and_at_sea(owner_client):
    paris = owner_client.post(URL, {"latitude": 48.8584, "longitude": 2.2945}, format="json").json()
    assert (paris["country"], paris["country_en"], paris["city"]) == ("法国", "France", "Paris")
    sea = owner_client.post(URL, {"latitude": 30.0, "longitude": 123.5}, format="json").json()
    assert sea["located"] is True
    assert all(sea[field] is None for field in PLACE_FIELDS)


def test_coordinates_as_form_strings(owner_client):
    response = owner_client.post(URL, {"latitude": "39.9087", "longitude": "116.3975"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["district"] == "东城区"


@pytest.mark.parametrize(
    "payload",
    [
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -180.01},
        {"latitude": "north", "longitude": 10},
        {"latitude": True, "longitude": 10},
        {"latitude": None, "longitude": 10},
        {"longitude": 10},
        {},
    ],
)
def test_invalid_coordinates(owner_client, payload):
    assert_error(owner_client.post(URL, payload, format="json"), 400, "invalid_coordinates")


def test_requires_authentication(api_client):
    response = api_client.post(URL, {"latitude": 39.9, "longitude": 116.4}, format="json")
    assert response.status_code == 401


def test_schema_documents_both_inputs_and_the_empty_answer(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    operation = response.json()["paths"][URL]["post"]
    assert set(operation["requestBody"]["content"]) >= {"multipart/form-data", "application/json"}
    examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
    empty = next(e["value"] for e in examples.values() if e["value"]["located"] is False)
    assert all(v is None for k, v in empty.items() if k != "located")
