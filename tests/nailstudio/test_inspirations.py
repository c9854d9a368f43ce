import pytest

from core.private_media import private_root
from nailstudio import services
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db


def _upload(client, tags, color=(200, 30, 30)):
    return client.post(
        "/api/v1/inspirations",
        {"image": upload(image_bytes("PNG", (30, 20), color), "i.png", "image/png"), "tags": tags},
        format="multipart",
    )


def test_it_uploads_an_inspiration_with_tags(owner_client):
    response = _upload(owner_client, ["Pink", "樱花", "pink"])
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["tags"] == ["pink", "樱花"]
    assert (data["width"], data["height"]) == (30, 20)
    assert "image" not in data
    served = owner_client.get(data["image_url"].removeprefix("http://testserver"))
    assert served.status_code == 200


def test_it_accepts_comma_separated_tags(owner_client):
    assert _upload(owner_client, "pink, french，夏天").json()["tags"] == ["french", "pink", "夏天"]


@pytest.mark.parametrize("tags", ["{}", ["pink", "[1]"], '"x"', "<b>"])
def test_it_refuses_tags_that_are_data_not_words(owner_client, tags):
    response = _upload(owner_client, tags)
    assert response.status_code == 400, response.json()
    assert "tags" in response.json()["error"]["details"]


def test_it_requires_a_real_image(owner_client):
    response = owner_client.post("/api/v1/inspirations", {"tags": ["x"]}, format="multipart")
    assert response.status_code == 400
    response = owner_client.post(
        "/api/v1/inspirations", {"image": upload(b"GIF89a....", "a.gif", "image/gif")}, format="multipart"
    )
    assert response.status_code in (400, 415)


def test_it_filters_by_tag_and_counts_tags(owner_client, outsider_client):
    _upload(owner_client, ["pink", "french"])
    _upload(owner_client, ["pink"])
    _upload(owner_client, ["blue"])
    _upload(outsider_client, ["pink"])
    pink = owner_client.get("/api/v1/inspirations", {"tags": "PINK"}).json()
    assert pink["count"] == 2
    assert all("pink" in item["tags"] for item in pink["results"])
    tags = owner_client.get("/api/v1/inspirations/tags").json()
    assert tags == [
        {"name": "pink", "count": 2},
        {"name": "blue", "count": 1},
        {"name": "french", "count": 1},
    ]
    assert outsider_client.get("/api/v1/inspirations/tags").json() == [{"name": "pink", "count": 1}]


def test_it_replaces_tags(owner_client):
    item = _upload(owner_client, ["pink", "french"]).json()
    response = owner_client.patch(
        f"/api/v1/inspirations/{item['id']}", {"tags": ["french", "summer"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["tags"] == ["french", "summer"]
    assert owner_client.get("/api/v1/inspirations", {"tags": "pink"}).json()["count"] == 0


def test_it_deletes_the_file_with_the_inspiration(
    owner_client, inspiration, django_capture_on_commit_callbacks
):
    path = private_root() / inspiration.image
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/v1/inspirations/{inspiration.pk}").status_code == 204
    assert not path.exists()


def test_it_hides_inspirations_from_other_users(outsider_client, inspiration):
    url = f"/api/v1/inspirations/{inspiration.pk}"
    for method, body in (
        ("get", None),
        ("patch", {"tags": ["x"]}),
        ("put", {"tags": ["x"]}),
        ("delete", None),
    ):
        response = getattr(outsider_client, method)(url, body, format="json")
        assert response.status_code == 404, method
    assert outsider_client.get("/api/v1/inspirations").json()["count"] == 0
    assert sorted(inspiration.tag_names) == ["blue", "minimal"]
    assert services.set_tags(inspiration, [" A ", "a"]).tag_names == ["a"]
