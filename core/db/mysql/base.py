"""MySQL/MariaDB with a cheaper health check for persistent connections (ENGINE ``core.db.mysql``).

Django's CONN_HEALTH_CHECKS pings the connection before the first query of every request: a round trip that
doubled the database work of a one-query request such as check-cache. Here a connection that ran a query in
the last few seconds counts as alive; an idle one (where a server restart or an idle timeout bites) is still
pinged first. A connection that fails anyway is closed at the end of that request, as Django always does.
"""

import time

from django.db.backends.mysql import base


class DatabaseWrapper(base.DatabaseWrapper):
    fresh_for_seconds = 5.0
    _used_at = float("-inf")

    def close_if_health_check_failed(self):
        if self.connection is not None and time.monotonic() - self._used_at < self.fresh_for_seconds:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def create_cursor(self, name=None):
        self._used_at = time.monotonic()
        return super().create_cursor(name)
