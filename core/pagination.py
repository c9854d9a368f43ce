from rest_framework import pagination

from .errors import ApiError


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """A ``page_size`` that is no positive integer is 400, not silently the default (above 100: 100)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ApiError(
                400,
                "invalid_parameter",
                "page_size 必须是正整数 (page_size must be a positive integer)",
                {"page_size": raw[:40]},
            )
        return super().get_page_size(request)
