from django.urls import path

from .views import cache, classify, corrections, stats

urlpatterns = [
    path("classify/check-cache", cache.CheckCacheView.as_view(), name="classify-check-cache"),
    path("classify", classify.ClassifyView.as_view(), name="classify"),
    path("classify/batch", classify.BatchView.as_view(), name="classify-batch"),
    path("classify/jobs/<uuid:job_id>", classify.JobView.as_view(), name="classify-job"),
    path("classify/categories", classify.CategoriesView.as_view(), name="classify-categories"),
    path("classify/corrections", corrections.CorrectionsView.as_view(), name="classify-corrections"),
    path(
        "classify/corrections/<str:image_hash>",
        corrections.CorrectionDetailView.as_view(),
        name="classify-correction",
    ),
    path("local-classify", classify.LocalClassifyView.as_view(), name="local-classify"),
    path("stats/today", stats.TodayView.as_view(), name="stats-today"),
    path("stats/cache-efficiency", stats.CacheEfficiencyView.as_view(), name="stats-cache-efficiency"),
    path("stats/category-distribution", stats.CategoryDistributionView.as_view(), name="stats-categories"),
    path("stats/users/top", stats.TopUsersView.as_view(), name="stats-top-users"),
    path("stats/costs", stats.CostsView.as_view(), name="stats-costs"),
    path("stats/corrections", corrections.CorrectionStatsView.as_view(), name="stats-corrections"),
    path("stats/cities", stats.CitiesView.as_view(), name="stats-cities"),
]
