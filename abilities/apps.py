from django.apps import AppConfig


class AbilitiesConfig(AppConfig):
    name = "abilities"
    verbose_name = "能力成长"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from nailstudio.services import scoring

        from . import services
        from .dimensions import LOCAL_ASPECTS
        from .models import AbilityDimension

        # The studio publishes its comparisons and asks what to score; it never imports this app.
        scoring.register(
            scoring.Scorer(
                dimensions=services.active_dimensions,
                local_aspects=LOCAL_ASPECTS,
                comparison_finished=services.record_from_comparison,
            )
        )

        # Weights, names and the active set feed every cached summary: any change starts a new cache generation.
        changed = services.dimensions_changed
        post_save.connect(changed, sender=AbilityDimension, dispatch_uid="ability-dimension-saved")
        post_delete.connect(changed, sender=AbilityDimension, dispatch_uid="ability-dimension-deleted")
