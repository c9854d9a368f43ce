from rest_framework.negotiation import DefaultContentNegotiation


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """For views that only speak JSON: answer with the one renderer without parsing the Accept header
    (DRF's documented IgnoreClientContentNegotiation, for the renderer only)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
