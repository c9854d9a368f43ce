import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_every_admin_list_and_add_page_renders_for_staff():
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        response = client.get(reverse(f"admin:{info}_changelist"))
        assert response.status_code == 200, info
        expected = 200 if model_admin.has_add_permission(response.wsgi_request) else 403
        assert client.get(reverse(f"admin:{info}_add")).status_code == expected, info
