from ai import http
from ai.providers.openai import OpenAIProvider


def _context(client):
    return client._transport._pool._ssl_context


def test_it_shares_one_ssl_context_between_every_client(settings):
    settings.OPENAI_API_KEY = "sk-test"
    shared = http.ssl_context()
    assert _context(http._client()) is shared
    assert _context(http._client()) is shared
    assert _context(OpenAIProvider()._client()._client) is shared
