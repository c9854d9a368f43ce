"""The seed's vocabulary (issue 14): columns take the names the API uses (the comparison's
``colour`` aspect becomes ``color``); free-text fields get their documented maximum length."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Q


def _rename_aspect(apps, old: str, new: str) -> None:
    ComparisonResult = apps.get_model("nailstudio", "ComparisonResult")
    for result in ComparisonResult.objects.iterator():
        if old in result.differences:
            result.differences = {(new if k == old else k): v for k, v in result.differences.items()}
            result.save(update_fields=["differences"])


def american_aspect(apps, schema_editor):
    _rename_aspect(apps, "colour", "color")


def british_aspect(apps, schema_editor):
    _rename_aspect(apps, "color", "colour")


class Migration(migrations.Migration):
    dependencies = [("nailstudio", "0002_nested_dimension_scores")]

    operations = [
        migrations.RenameField("customerprofile", "colour_preferences", "color_preferences"),
        migrations.RenameField("designplan", "inspirations", "inspiration_images"),
        migrations.RenameField("designplan", "generated_prompt", "ai_prompt"),
        migrations.RenameField("designplan", "target", "design_target"),
        migrations.RenameField("designplan", "description", "design_description"),
        migrations.RenameField("designplan", "parent", "parent_design"),
        migrations.RenameField("designplan", "refinement_instruction", "refinement_prompt"),
        migrations.RemoveConstraint("designplan", "nail_design_minutes_ordered"),
        migrations.RenameField("designplan", "estimated_minutes_min", "estimated_duration_min"),
        migrations.RenameField("designplan", "estimated_minutes_max", "estimated_duration_max"),
        migrations.AddConstraint(
            "designplan",
            models.CheckConstraint(
                condition=Q(estimated_duration_min__isnull=True)
                | Q(estimated_duration_max__gte=F("estimated_duration_min")),
                name="nail_design_minutes_ordered",
            ),
        ),
        migrations.RenameField("designplan", "materials", "material_list"),
        migrations.RenameField("servicerecord", "duration_minutes", "service_duration"),
        migrations.RenameField("servicerecord", "photo", "actual_image"),
        migrations.RemoveConstraint("comparisonresult", "nail_similarity_0_100"),
        migrations.RenameField("comparisonresult", "similarity", "similarity_score"),
        migrations.AddConstraint(
            "comparisonresult",
            models.CheckConstraint(
                condition=Q(similarity_score__gte=0) & Q(similarity_score__lte=100),
                name="nail_similarity_0_100",
            ),
        ),
        migrations.RenameField("comparisonresult", "analysed_at", "analyzed_at"),
        migrations.RunPython(american_aspect, british_aspect),
        migrations.AlterField(
            "designplan",
            "parent_design",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="refinements",
                to="nailstudio.designplan",
                verbose_name="上一版本",
            ),
        ),
        migrations.AlterField(
            "customer", "notes", models.TextField(blank=True, max_length=2000, verbose_name="备注")
        ),
        migrations.AlterField(
            "designplan",
            "custom_prompt",
            models.TextField(blank=True, max_length=1000, verbose_name="自定义要求"),
        ),
        migrations.AlterField(
            "designplan",
            "refinement_prompt",
            models.TextField(blank=True, max_length=500, verbose_name="修改要求"),
        ),
        migrations.AlterField(
            "servicerecord", "notes", models.TextField(blank=True, max_length=2000, verbose_name="备注")
        ),
    ]
