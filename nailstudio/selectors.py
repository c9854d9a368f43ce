"""Reads, always scoped to the requesting user: another user's rows simply do not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, QuerySet
from django.utils import timezone

from .models import Customer, DesignPlan, InspirationImage, InspirationTag, ServiceRecord


def customers_for(user) -> QuerySet[Customer]:
    return Customer.objects.filter(owner=user).select_related("profile").prefetch_related("photos")


def inspirations_for(user) -> QuerySet[InspirationImage]:
    return InspirationImage.objects.filter(owner=user).prefetch_related("tags")


def tag_counts(user) -> list[dict]:
    rows = (
        InspirationTag.objects.filter(inspiration__owner=user)
        .values("name")
        .annotate(count=Count("id"))
        .order_by("-count", "name")
    )
    return [{"name": row["name"], "count": row["count"]} for row in rows]


def designs_for(user) -> QuerySet[DesignPlan]:
    return (
        DesignPlan.objects.filter(owner=user)
        .select_related("customer")
        .prefetch_related("inspiration_images")
    )


def versions_of(plan: DesignPlan) -> QuerySet[DesignPlan]:
    """Every version of the design's chain, oldest first."""
    return designs_for(plan.owner).filter(lineage=plan.lineage).order_by("version", "id")


def services_for(user) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(owner=user).select_related("customer", "design_plan", "comparison")


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # "design" | "service"
    at: datetime
    item: DesignPlan | ServiceRecord


def history(customer: Customer) -> list[HistoryEntry]:
    """The customer's designs and services as one timeline, newest first."""
    entries = [HistoryEntry("design", plan.created_at, plan) for plan in customer.designs.all()]
    for record in customer.services.select_related("design_plan", "comparison"):
        # A service happened on its date; a completed one is placed at the moment it was completed.
        at = record.completed_at or timezone.make_aware(datetime.combine(record.service_date, time.min))
        entries.append(HistoryEntry("service", at, record))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
