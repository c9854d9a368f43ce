from django.conf import settings

from ..types import CAPABILITIES


class Provider:
    name: str = ""

    def configured(self) -> bool:
        return True

    def supports(self, capability: str) -> bool:
        return capability in CAPABILITIES and callable(getattr(self, capability, None))

    def model_for(self, capability: str) -> str:
        return settings.AI_MODELS[self.name].get(capability, "")
