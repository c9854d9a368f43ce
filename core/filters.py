"""Query parameters: django-filter filter sets for the list endpoints' filters, small serializers (``parse_query``)
for every other parameter. Either way an unknown parameter is ignored and a present but empty one is
validated (``?days=`` is 400, not the default)."""

from typing import Any

from django import forms
from django_filters import FilterSet, NumberFilter
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .exceptions import Invalid

MAX_ID = 2**63 - 1  # BIGINT: a larger id overflows the database driver (SQLite) or is never found

# Field kinds for which an empty value (``?to=``) is no value at all: Django forms would read it as "absent".
NON_TEXT_FIELDS = (forms.IntegerField, forms.fields.BaseTemporalField)


class StrictFilterForm(forms.Form):
    """A present but empty number or date filter is invalid (400), like any other unparseable value."""

    def clean(self):
        for name, field in self.fields.items():
            if isinstance(field, NON_TEXT_FIELDS) and self.data.get(name) == "":
                self.add_error(name, forms.ValidationError("值不能为空 (must not be empty)", code="blank"))
        return super().clean()


class StrictFilterSet(FilterSet):
    """Base of every list filter set: empty number/date values are refused, see ``StrictFilterForm``."""

    class Meta:
        form = StrictFilterForm


def parse_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """The query string validated by ``serializer_class`` (a plain DRF serializer: ``core.serializers.Serializer``
    would read the strings as wrongly typed JSON): 400 ``invalid_parameter`` with each field's errors. It is
    given the query as a plain dict: given a QueryDict, DRF reads ``?to=`` on an optional field as "absent"."""
    serializer = serializer_class(data=request.query_params.dict())
    if not serializer.is_valid():
        raise Invalid("invalid_parameter", "查询参数无效 (invalid query parameter)", serializer.errors)
    return serializer.validated_data


def _bounded(name: str, low: int, high: int) -> serializers.IntegerField:
    message = f"{name} 必须是 {low} 到 {high} 之间的整数"
    errors: dict[str, Any] = dict.fromkeys(
        ("invalid", "min_value", "max_value", "max_string_length", "null"), message
    )
    return serializers.IntegerField(min_value=low, max_value=high, required=False, error_messages=errors)


class StatsQuery(serializers.Serializer):
    """The staff stats' parameters; each view applies its own defaults."""

    days = _bounded("days", 1, 365)
    limit = _bounded("limit", 1, 100)


DAYS = OpenApiParameter("days", int, description="1–365 Asia/Shanghai calendar days, ending today")
LIMIT = OpenApiParameter("limit", int, description="1–100")


class IdFilter(NumberFilter):
    """A row id: a positive integer no larger than a BIGINT (``?customer=99999999999999999999`` is 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
