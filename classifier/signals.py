from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ImageClassification
from .services.checkcache import copies


@receiver(post_delete, sender=ImageClassification)
def forget_deleted_entry(sender, instance, **kwargs):
    # Any deletion (the admin's invalidate action, a shell) must also end the entry's Redis copy.
    image_hash = instance.image_hash
    transaction.on_commit(lambda: copies.forget([image_hash]))
