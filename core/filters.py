"""Query filters shared by the list endpoints."""

from django import forms
from django_filters import NumberFilter

MAX_ID = 2**63 - 1  # BIGINT: a larger id overflows the database driver (SQLite) or is never found


class IdFilter(NumberFilter):
    """A row id: a positive integer no larger than a BIGINT (``?customer=99999999999999999999`` is 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
