"""Inspiration images and their tags."""

from __future__ import annotations

from django.db import transaction

from .. import engines
from ..models import InspirationImage, InspirationTag
from .images import delete_after_commit, store_upload


def clean_tags(tags) -> list[str]:
    """Trimmed, lower-cased, de-duplicated tags in their given order."""
    return list(dict.fromkeys(t.strip().lower() for t in tags or () if t and t.strip()))


def _set_tags(inspiration: InspirationImage, tags: list[str]) -> None:
    inspiration.tags.exclude(name__in=tags).delete()
    existing = set(inspiration.tags.values_list("name", flat=True))
    InspirationTag.objects.bulk_create(
        [InspirationTag(inspiration=inspiration, name=t) for t in tags if t not in existing]
    )


@transaction.atomic
def create_inspiration(*, owner, upload, tags=()) -> InspirationImage:
    """Store an inspiration; ``suggested_tags`` on the returned object are what the offline analysis sees,
    offered to the artist and never applied by themselves."""
    stored = store_upload(upload, "nailstudio/inspirations")
    inspiration = InspirationImage.objects.create(
        owner=owner, image=stored.name, width=stored.width, height=stored.height
    )
    given = clean_tags(tags)
    _set_tags(inspiration, given)
    inspiration.suggested_tags = engines.suggested_tags(stored.image, given)
    return inspiration


@transaction.atomic
def set_tags(inspiration: InspirationImage, tags) -> InspirationImage:
    _set_tags(inspiration, clean_tags(tags))
    return inspiration


@transaction.atomic
def delete_inspiration(inspiration: InspirationImage) -> None:
    delete_after_commit(inspiration.image)
    inspiration.delete()
