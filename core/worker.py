"""The Redis broker transport, with one guard (``CELERY_BROKER_TRANSPORT``).

A Redis restart while ``acks_late`` tasks ran killed the worker for good: ``Unrecoverable error:
AttributeError("'NoneType' object has no attribute 'hostname'")``. On a connection error celery 5.7's consumer
``collect()``s the broken connection, which detaches its transport (``transport.client = None``). The channels
of that connection live on: closing the default channel restores the unacked messages (the running tasks), and
a task finishing afterwards acks on the channel it came from. Both make kombu's Redis channel build a new pool
from ``transport.client.hostname``: an AttributeError, which neither kombu's nor celery's error handling
expects, so it ends the worker. (Reproduced with a real worker and a real Redis restart, every time with tasks
running; see tests/faults/test_worker_survives.py and docs/operations.md.)

Here such a channel raises a connection error instead, which both handle: the restore is skipped and the ack
is logged as failed. Those messages stay in Redis's unacked set, come back after the visibility timeout, and
find their job already finished (``core.jobs.claim``).
"""

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.ConnectionError("this channel's broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
