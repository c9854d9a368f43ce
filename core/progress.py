"""A small progress bar for management commands, written to stderr so stdout stays machine-readable."""

import time
from collections.abc import Callable


class ProgressBar:
    def __init__(self, total: int, *, write: Callable[[str], None], label: str = "", width: int = 30):
        self.total, self.label, self.width, self.write = total, label, width, write
        self.done = 0
        self.started = time.monotonic()

    @classmethod
    def for_command(cls, command, total: int, label: str = "") -> "ProgressBar":
        return cls(total, write=lambda text: command.stderr.write(text, ending=""), label=label)

    def advance(self, step: int = 1) -> None:
        self.done += step
        filled = int(self.width * self.done / self.total) if self.total else self.width
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        self.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {rate:.1f}/s")
        if self.done >= self.total:
            self.write("\n")
