class ProviderError(Exception):
    """One provider failed one attempt. ``transient`` errors (timeouts, 429, 5xx) are retried; others are not."""

    def __init__(self, code: str, message: str = "", *, transient: bool = False, status: int | None = None):
        super().__init__(message or code)
        self.code = code
        self.transient = transient
        self.status = status


class InvalidOutput(ProviderError):
    """The model answered, but not with what we asked for: a failure that falls through to the next provider."""

    def __init__(self, message: str):
        super().__init__("invalid_output", message)


class AIUnavailable(Exception):
    """No provider in the chain produced a valid answer."""

    def __init__(self, capability: str, attempts: list[tuple[str, str]]):
        self.capability = capability
        self.attempts = attempts  # (provider, error code or "skipped:<why>")
        super().__init__(f"{capability}: no provider available ({attempts})")
