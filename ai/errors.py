class ProviderError(Exception):
    """One provider failed one attempt. ``transient`` errors (timeouts, 429, 5xx) are retried; others are not."""

    healthy = False  # True: the provider worked (see AnswerWithheld), so its breaker must not count this

    def __init__(self, code: str, message: str = "", *, transient: bool = False, status: int | None = None):
        super().__init__(message or code)
        self.code = code
        self.transient = transient
        self.status = status


class InvalidOutput(ProviderError):
    """The model answered, but not with what we asked for: a failure that falls through to the next provider."""

    def __init__(self, message: str):
        super().__init__("invalid_output", message)


class AnswerWithheld(ProviderError):
    """The provider is healthy but gave no usable answer for this input: the model refused (``model_refused``),
    the vendor's moderation blocked the input or the output (``content_moderated``), or the answer was cut off at
    the token limit (``output_truncated``). The next provider is tried; the breaker does not count it."""

    healthy = True

    def __init__(self, code: str, message: str = ""):
        super().__init__(code, message)


REFUSED, MODERATED, TRUNCATED = "model_refused", "content_moderated", "output_truncated"


class AIUnavailable(Exception):
    """No provider in the chain produced a valid answer."""

    def __init__(self, capability: str, attempts: list[tuple[str, str]]):
        self.capability = capability
        self.attempts = attempts  # (provider, error code or "skipped:<why>")
        super().__init__(f"{capability}: no provider available ({attempts})")
