from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views, views_analysis, views_stats

router = SimpleRouter(trailing_slash=False)
router.register("customers", views.CustomerViewSet, basename="nail-customer")
router.register("inspirations", views.InspirationViewSet, basename="nail-inspiration")
router.register("designs", views.DesignPlanViewSet, basename="nail-design")
router.register("services", views.ServiceRecordViewSet, basename="nail-service")

urlpatterns = [
    # Before the router's design routes: an async view (it waits on a vision model), not a viewset action.
    path("designs/<int:pk>/estimate", views.DesignEstimateView.as_view(), name="nail-design-estimate"),
    *router.urls,
    path("analysis/image", views_analysis.AnalysisImageView.as_view(), name="nail-analysis-image"),
    path("analysis/compare", views_analysis.AnalysisCompareView.as_view(), name="nail-analysis-compare"),
    path("stats/designs", views_stats.DesignStatsView.as_view(), name="stats-designs"),
]
