from django.urls import path

from . import views

urlpatterns = [
    path("image-edits", views.ImageEditListView.as_view(), name="image-edits"),
    path("image-edits/presets", views.PresetListView.as_view(), name="image-edit-presets"),
    path("image-edits/<uuid:pk>", views.ImageEditDetailView.as_view(), name="image-edit"),
    path("image-edits/<uuid:pk>/cancel", views.ImageEditCancelView.as_view(), name="image-edit-cancel"),
    path("stats/image-edits", views.ImageEditStatsView.as_view(), name="stats-image-edits"),
]
