"""Provider registry: name -> provider instance. Each provider has one method per capability it supports."""

from .dashscope import DashScopeProvider
from .local import LocalProvider
from .openai import OpenAIProvider

PROVIDERS = {p.name: p for p in (DashScopeProvider(), OpenAIProvider(), LocalProvider())}
