"""dimension_scores: {code: 0–100} becomes {code: {"score": 0–100, "evidence": "<text>"}}."""

from django.db import migrations


def nest(apps, schema_editor):
    ComparisonResult = apps.get_model("nailstudio", "ComparisonResult")
    for result in ComparisonResult.objects.iterator():
        result.dimension_scores = {
            code: value if isinstance(value, dict) else {"score": value, "evidence": ""}
            for code, value in result.dimension_scores.items()
        }
        result.save(update_fields=["dimension_scores"])


def flatten(apps, schema_editor):
    ComparisonResult = apps.get_model("nailstudio", "ComparisonResult")
    for result in ComparisonResult.objects.iterator():
        result.dimension_scores = {
            code: value["score"] if isinstance(value, dict) else value
            for code, value in result.dimension_scores.items()
        }
        result.save(update_fields=["dimension_scores"])


class Migration(migrations.Migration):
    dependencies = [("nailstudio", "0001_initial")]

    operations = [migrations.RunPython(nest, flatten)]
