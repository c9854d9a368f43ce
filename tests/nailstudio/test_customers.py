from pathlib import Path

import pytest

from core.private_media import private_root
from nailstudio import services
from nailstudio.models import Customer
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db


def _get(client, url):
    return client.get(url.removeprefix("http://testserver"))


def test_it_creates_a_customer_with_a_profile(owner_client, owner):
    body = {
        "name": "李女士",
        "phone": "+86 139 0000 0000",
        "profile": {
            "nail_shape": "oval",
            "color_preferences": ["#a1b2c3", "#A1B2C3"],
            "prohibitions": ["long nails"],
        },
    }
    response = owner_client.post("/api/v1/customers", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["profile"]["nail_shape"] == "oval"
    assert data["profile"]["color_preferences"] == ["#A1B2C3"]
    assert data["profile"]["prohibitions"] == ["long nails"]
    customer = Customer.objects.get(pk=data["id"])
    assert customer.owner == owner
    assert customer.profile.nail_size == "medium"


@pytest.mark.parametrize("colours", [["red"], ["#12345"], ["#GGGGGG"], "#FFFFFF"])
def test_it_rejects_colours_that_are_not_hex(owner_client, customer, colours):
    response = owner_client.patch(
        f"/api/v1/customers/{customer.pk}/profile", {"color_preferences": colours}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "color_preferences" in response.json()["error"]["details"]


def test_it_reads_and_edits_the_profile(owner_client, customer):
    url = f"/api/v1/customers/{customer.pk}/profile"
    assert owner_client.get(url).json()["nail_shape"] == "coffin"
    response = owner_client.patch(url, {"nail_size": "large", "style_preferences": ["极简"]}, format="json")
    assert response.status_code == 200
    assert response.json()["nail_size"] == "large"
    assert response.json()["nail_shape"] == "coffin"  # PATCH keeps the rest
    # PUT is the whole profile: one that leaves fields out names them and changes nothing.
    put = owner_client.put(url, {"nail_shape": "round", "prohibitions": []}, format="json")
    assert put.status_code == 400
    assert set(put.json()["error"]["details"]) == {
        "nail_size",
        "nail_condition",
        "color_preferences",
        "style_preferences",
    }
    customer.profile.refresh_from_db()
    assert customer.profile.prohibitions == ["glitter", "亮片"]
    full = {
        "nail_shape": "round",
        "nail_size": "medium",
        "nail_condition": "",
        "color_preferences": [],
        "style_preferences": [],
        "prohibitions": [],
    }
    assert owner_client.put(url, full, format="json").status_code == 200
    customer.profile.refresh_from_db()
    assert (customer.profile.nail_shape, customer.profile.prohibitions) == ("round", [])
    assert owner_client.patch(url, {"nail_shape": "heart"}, format="json").status_code == 400


def test_it_searches_customers_by_name_and_phone(owner_client, owner, outsider):
    services.create_customer(owner=owner, name="张三", phone="13911112222")
    services.create_customer(owner=owner, name="李四", phone="13733334444")
    services.create_customer(owner=outsider, name="张三丰", phone="13911112222")
    by_name = owner_client.get("/api/v1/customers", {"search": "张"}).json()
    assert [c["name"] for c in by_name["results"]] == ["张三"]
    by_phone = owner_client.get("/api/v1/customers", {"search": "3333"}).json()
    assert [c["name"] for c in by_phone["results"]] == ["李四"]
    ordered = owner_client.get("/api/v1/customers", {"ordering": "name"}).json()
    assert ordered["count"] == 2


def test_it_uploads_and_deletes_profile_photos_privately(
    owner_client, customer, settings, django_capture_on_commit_callbacks
):
    photo = upload(image_bytes("JPEG", (40, 30)), "me.jpg")
    response = owner_client.post(
        f"/api/v1/customers/{customer.pk}/profile/photos", {"image": photo}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["width"], data["height"]) == (40, 30)
    assert "/api/v1/media/" in data["image_url"]
    stored = customer.photos.get()
    path = private_root() / stored.image
    assert path.exists()
    assert Path(settings.MEDIA_ROOT) not in path.parents
    served = _get(owner_client, data["image_url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"

    profile = owner_client.get(f"/api/v1/customers/{customer.pk}/profile").json()
    assert [p["id"] for p in profile["photos"]] == [stored.pk]

    with django_capture_on_commit_callbacks(execute=True):
        deleted = owner_client.delete(f"/api/v1/customers/{customer.pk}/profile/photos/{stored.pk}")
    assert deleted.status_code == 204
    assert not customer.photos.exists()
    assert not path.exists()


def test_it_strips_photo_metadata(owner_client, customer):
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", (20, 10), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    response = owner_client.post(
        f"/api/v1/customers/{customer.pk}/profile/photos",
        {"image": upload(buffer.getvalue())},
        format="multipart",
    )
    assert response.status_code == 201
    stored = (private_root() / customer.photos.get().image).read_bytes()
    assert b"SecretCam" not in stored
    assert Image.open(BytesIO(stored)).size == (20, 10)


def test_it_rejects_a_non_image_photo(owner_client, customer):
    response = owner_client.post(
        f"/api/v1/customers/{customer.pk}/profile/photos",
        {"image": upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "image/svg+xml")},
        format="multipart",
    )
    assert response.status_code == 415
    assert not customer.photos.exists()


def test_it_deletes_a_customer_with_their_files(owner_client, customer, django_capture_on_commit_callbacks):
    owner_client.post(
        f"/api/v1/customers/{customer.pk}/profile/photos",
        {"image": upload(image_bytes())},
        format="multipart",
    )
    path = private_root() / customer.photos.get().image
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/v1/customers/{customer.pk}").status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not path.exists()


def test_it_shows_designs_and_services_as_one_timeline(owner_client, owner, customer):
    from datetime import date

    from nailstudio.models import DesignPlan, ServiceRecord

    old = ServiceRecord.objects.create(owner=owner, customer=customer, service_date=date(2020, 1, 5))
    design = DesignPlan.objects.create(owner=owner, customer=customer)
    later = ServiceRecord.objects.create(owner=owner, customer=customer, service_date=date(2999, 1, 1))
    response = owner_client.get(f"/api/v1/customers/{customer.pk}/history")
    assert response.status_code == 200
    entries = response.json()["results"]
    assert [(e["kind"], (e["design"] or e["service"])["id"]) for e in entries] == [
        ("service", later.pk),
        ("design", design.pk),
        ("service", old.pk),
    ]
    assert entries[1]["service"] is None
    assert entries[1]["design"]["status"] == "queued"


def test_it_hides_customers_from_other_users(outsider_client, customer):
    photo = services.add_profile_photo(customer, upload(image_bytes()))
    base = f"/api/v1/customers/{customer.pk}"
    calls = [
        ("get", base, None),
        ("patch", base, {"name": "x"}),
        ("put", base, {"name": "x"}),
        ("delete", base, None),
        ("get", f"{base}/profile", None),
        ("patch", f"{base}/profile", {"nail_size": "large"}),
        ("put", f"{base}/profile", {"nail_size": "large"}),
        ("post", f"{base}/profile/photos", {"image": upload(image_bytes())}),
        ("delete", f"{base}/profile/photos/{photo.pk}", None),
        ("get", f"{base}/history", None),
    ]
    for method, url, body in calls:
        kwargs = {"format": "multipart"} if method == "post" else {"format": "json"}
        response = getattr(outsider_client, method)(url, body, **kwargs)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert outsider_client.get("/api/v1/customers").json()["count"] == 0
    customer.refresh_from_db()
    assert customer.name == "王小姐"
    assert customer.photos.count() == 1


def test_it_needs_authentication(api_client):
    assert api_client.get("/api/v1/customers").status_code == 401
