from rest_framework import pagination

from .exceptions import Invalid


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """``page`` and ``page_size`` that are no positive integers are 400, not silently the defaults
        (a ``page_size`` above 100 is 100; a page past the end is 404)."""
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
                raise Invalid(
                    "invalid_parameter",
                    f"{name} 必须是正整数 ({name} must be a positive integer)",
                    {name: raw[:40]},
                )
        return super().get_page_size(request)
