from django.db import migrations

FIELDS = ("phash", "phash_b0", "phash_b1", "phash_b2", "phash_b3")


def forget_whole_image_hashes(apps, schema_editor):
    """The stored pHash now covers the image's centre (classifier/services/phash.py): a hash of the whole
    image, stored before, would be about as far from it as a 4% crop. Those entries stay exact-hash hits."""
    entries = apps.get_model("classifier", "ImageClassification").objects
    entries.filter(phash__isnull=False).update(**dict.fromkeys(FIELDS))


class Migration(migrations.Migration):
    dependencies = [("classifier", "0005_i20_near_duplicates")]

    operations = [migrations.RunPython(forget_whole_image_hashes, migrations.RunPython.noop)]
