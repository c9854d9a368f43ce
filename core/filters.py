"""Query filters shared by the list endpoints."""

from django import forms
from django_filters import FilterSet, NumberFilter

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


def query_dict(request) -> dict[str, str]:
    """The query string as a plain dict, for a DRF serializer: given a QueryDict, DRF reads ``?to=`` on an
    optional field as "absent"; given a dict, the empty string is validated (and refused for dates/numbers)."""
    return request.query_params.dict()


class IdFilter(NumberFilter):
    """A row id: a positive integer no larger than a BIGINT (``?customer=99999999999999999999`` is 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
