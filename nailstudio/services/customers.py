"""Customers, their profile and profile photos."""

from __future__ import annotations

from django.db import transaction

from .. import engines
from ..models import Customer, CustomerPhoto, CustomerProfile
from .designs import release_unfinished
from .images import delete_after_commit, store_upload

PROFILE_FIELDS = (
    "nail_shape",
    "nail_size",
    "nail_condition",
    "color_preferences",
    "style_preferences",
    "prohibitions",
)


@transaction.atomic
def create_customer(
    *, owner, name: str, phone: str = "", notes: str = "", profile: dict | None = None
) -> Customer:
    customer = Customer.objects.create(owner=owner, name=name, phone=phone, notes=notes)
    CustomerProfile.objects.create(customer=customer, **(profile or {}))
    return customer


@transaction.atomic
def update_customer(customer: Customer, **fields) -> Customer:
    for field, value in fields.items():
        setattr(customer, field, value)
    customer.save()
    return customer


def profile_of(customer: Customer) -> CustomerProfile:
    """The profile, created with defaults for customers made without one (e.g. in the admin)."""
    profile, _ = CustomerProfile.objects.get_or_create(customer=customer)
    return profile


@transaction.atomic
def update_profile(customer: Customer, *, replace: bool = False, **fields) -> CustomerProfile:
    """Set the given fields; ``replace`` (PUT) resets the others to their defaults."""
    profile = profile_of(customer)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if replace:
        fields = {f: CustomerProfile._meta.get_field(f).get_default() for f in PROFILE_FIELDS} | fields
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.full_clean(exclude=["customer"])
    profile.save()
    return profile


@transaction.atomic
def add_profile_photo(customer: Customer, upload) -> CustomerPhoto:
    """Store a profile photo; ``suggested_profile`` on the returned object (colours, shape) is what the offline
    analysis sees, offered to the artist and never written to the profile by itself."""
    stored = store_upload(upload, "nailstudio/profiles")
    photo = CustomerPhoto.objects.create(
        customer=customer, image=stored.name, width=stored.width, height=stored.height
    )
    photo.suggested_profile = engines.suggested_profile(stored.image)
    return photo


@transaction.atomic
def delete_profile_photo(photo: CustomerPhoto) -> None:
    delete_after_commit(photo.image)
    photo.delete()


@transaction.atomic
def delete_customer(customer: Customer) -> None:
    """Delete the customer with every design, service and photo of theirs, files included."""
    names = [*customer.photos.values_list("image", flat=True)]
    names += customer.designs.values_list("image", flat=True)
    names += customer.services.values_list("actual_image", flat=True)
    release_unfinished(customer.designs.all())
    delete_after_commit(*names)
    customer.delete()
