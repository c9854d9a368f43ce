from functools import lru_cache

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow


class CachedStatelessJWTAuthentication(JWTStatelessUserAuthentication):
    """The access token alone is the credential: no user query, so a disabled account keeps access until its
    token expires (at most JWT_ACCESS_MINUTES). A token's signature and claims are checked once per process
    (the most recent 4,096 tokens are remembered) and its expiry on every request: phones repeat one token."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _validated(bytes(raw_token))
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError as exc:
            raise InvalidToken({"detail": str(exc), "messages": []}) from exc
        return token


@lru_cache(maxsize=4096)
def _validated(raw_token: bytes) -> Token:
    # An invalid token raises, and lru_cache keeps only what returned.
    return JWTStatelessUserAuthentication().get_validated_token(raw_token)


class CachedStatelessJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same access token as jwtAuth (a component of its own, as drf-spectacular needs one per class)."""

    target_class = "core.authentication.CachedStatelessJWTAuthentication"
    name = "jwtStateless"
