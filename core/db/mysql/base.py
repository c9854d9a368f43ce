"""MySQL/MariaDB with a cheaper health check for persistent connections (ENGINE ``core.db.mysql``), and one
transparent reconnect when such a connection turns out to be dead.

Django's CONN_HEALTH_CHECKS pings the connection before the first query of every request: a round trip that
doubled the database work of a one-query request such as check-cache. Here a connection that ran a query in
the last few seconds counts as alive; an idle one (where a server restart or an idle timeout bites) is still
pinged first.

A connection can still die in those few seconds (a failover, a restart, a killed session). So when the server
is found gone at a point where nothing of a transaction can be lost, the connection is reopened and the
statement sent again, once: a read (SELECT) outside any transaction, or the start of a transaction (setting
autocommit). A write outside a transaction is not repeated (it may have been applied); it fails, and Django
closes the broken connection at the end of the request.
"""

import contextlib
import logging
import time

import MySQLdb as Database  # the driver Django's MySQL backend wraps
from django.db import utils
from django.db.backends.mysql import base

logger = logging.getLogger(__name__)
# Client and server codes for "the connection is gone": the statement can be sent again on a new one.
CONNECTION_LOST = {
    2006,  # CR_SERVER_GONE_ERROR
    2013,  # CR_SERVER_LOST
    2055,  # CR_SERVER_LOST_EXTENDED
    1927,  # ER_CONNECTION_KILLED (MariaDB)
    4031,  # ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
}


def _lost(exc: Exception) -> bool:
    # The driver's error, or Django's copy of it (same args) once wrap_database_errors translated it.
    operational = isinstance(exc, Database.OperationalError | utils.OperationalError)
    return operational and bool(exc.args) and exc.args[0] in CONNECTION_LOST


class CursorWrapper(base.CursorWrapper):
    def __init__(self, cursor, wrapper: "DatabaseWrapper"):
        super().__init__(cursor)
        self.wrapper = wrapper

    def execute(self, query, args=None):
        try:
            return super().execute(query, args)
        except Database.OperationalError as exc:
            if not (_lost(exc) and self.wrapper.may_retry() and _is_read(query)):
                raise
            logger.warning("database connection lost (%s); reconnected to repeat a read", exc.args[0])
            with contextlib.suppress(Database.Error):
                self.cursor.close()  # tied to the dead connection
            self.wrapper.reconnect()
            self.cursor = self.wrapper.connection.cursor()
            return super().execute(query, args)

    def close(self):
        # Closing a cursor of a connection that just died must not hide the error being handled (Django closes
        # the cursor while a failed query's error propagates; the driver's own error would then be a 500).
        with contextlib.suppress(Database.OperationalError):
            self.cursor.close()


def _is_read(query) -> bool:
    text = query.decode() if isinstance(query, bytes) else str(query)
    return text.lstrip()[:6].upper() == "SELECT"


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
        return CursorWrapper(self.connection.cursor(), self)

    def may_retry(self) -> bool:
        """Outside any transaction: repeating the statement on a new connection cannot lose or redo work."""
        return not self.in_atomic_block and self.get_autocommit()

    def reconnect(self) -> None:
        with contextlib.suppress(Database.Error):  # already dead
            self.connection.close()
        self.connection = None
        self.connect()
        self.health_check_done = True

    def _set_autocommit(self, autocommit):
        # Starting (or ending) autocommit is the first thing a transaction sends; nothing is lost yet.
        try:
            return super()._set_autocommit(autocommit)  # type: ignore[misc]  # private, not in django-stubs
        except utils.OperationalError as exc:  # wrap_database_errors re-raised the driver's error as Django's
            if not (_lost(exc) and not self.in_atomic_block):
                raise
            logger.warning("database connection lost (%s); reconnected to start a transaction", exc.args[0])
            self.reconnect()
            return super()._set_autocommit(autocommit)  # type: ignore[misc]
