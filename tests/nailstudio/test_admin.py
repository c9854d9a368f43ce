import pytest

from nailstudio import services
from nailstudio.models import ComparisonResult, DesignPlan, ServiceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    return client


def test_it_shows_customers_with_their_profile(admin_client, customer):
    page = admin_client.get(f"/admin/nailstudio/customer/{customer.pk}/change/")
    assert page.status_code == 200
    assert "顾客档案" in page.content.decode()
    assert "coffin" in page.content.decode()
    assert admin_client.get("/admin/nailstudio/customer/", {"q": "王"}).status_code == 200


def test_it_shows_a_design_with_its_version_chain(admin_client, owner, customer):
    v1 = DesignPlan.objects.create(owner=owner, customer=customer, status="ready")
    v2 = DesignPlan.objects.create(
        owner=owner, customer=customer, lineage=v1.lineage, parent_design=v1, version=2
    )
    html = admin_client.get(f"/admin/nailstudio/designplan/{v1.pk}/change/").content.decode()
    assert f"/admin/nailstudio/designplan/{v2.pk}/change/" in html
    assert "v1" in html
    assert "v2" in html
    assert admin_client.get("/admin/nailstudio/designplan/").status_code == 200


def test_it_shows_a_service_with_its_comparison(admin_client, owner, customer):
    record = services.create_service(owner=owner, customer=customer, service_date="2026-03-02")
    ComparisonResult.objects.create(
        service=record, similarity_score=77, analyzed_at="2026-03-02T10:00:00+08:00"
    )
    html = admin_client.get(f"/admin/nailstudio/servicerecord/{record.pk}/change/").content.decode()
    assert "效果对比" in html
    assert "77" in html
    assert admin_client.get("/admin/nailstudio/servicerecord/").status_code == 200
    assert ServiceRecord.objects.count() == 1
