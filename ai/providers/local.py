"""The offline engines as a provider. Photo classification is built in; for the other capabilities the
caller hands its own offline engine in the request (``request.local``), e.g. the nail design renderer."""

from django.conf import settings

from ..errors import ProviderError
from ..images import as_pil
from ..types import ClassifyRequest, ProviderOutput
from .base import Provider


class LocalProvider(Provider):
    name = "local"

    def classify_photo(self, request: ClassifyRequest) -> ProviderOutput:
        from ..local import photo

        try:
            result = photo.classify_image(
                as_pil(request.image), source_format=request.source_format, exif=request.exif
            )
        except photo.ModelIntegrityError as exc:
            raise ProviderError("local_model_unavailable", str(exc)) from exc
        value = {
            "category": result.category,
            "confidence": result.confidence,
            "description": result.description,
            "labels": result.labels,
        }
        return ProviderOutput(value, settings.AI_MODELS["local"]["classify_photo"])

    def _run_local(self, capability: str, request) -> ProviderOutput:
        if request.local is None:
            raise ProviderError("local_unsupported", f"no offline engine for this {capability} request")
        return ProviderOutput(request.local(), settings.AI_MODELS["local"].get(capability, "offline"))

    def analyze_image(self, request) -> ProviderOutput:
        return self._run_local("analyze_image", request)

    def compare_images(self, request) -> ProviderOutput:
        return self._run_local("compare_images", request)

    def generate_image(self, request) -> ProviderOutput:
        return self._run_local("generate_image", request)

    def edit_image(self, request) -> ProviderOutput:
        return self._run_local("edit_image", request)
