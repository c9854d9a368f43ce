"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (no further arguments) starts the web tier.
Override with GUNICORN_* env vars.

The app is the ASGI entry point, served by uvicorn's gunicorn worker (an asyncio event loop per process):
requests waiting on a remote model hold no thread; synchronous views run in each process's lanes
(WEB_LANES, UPLOAD_LANES threads, one database connection each). Why: docs/async.md.
"""

import multiprocessing
import os

wsgi_app = os.environ.get("GUNICORN_APP", "config.asgi:application")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# MariaDB connections per host: workers x (WEB_LANES + UPLOAD_LANES), 5 x 6 = 30 on 2 CPUs.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a guard against slow leaks). Not too often: at a few hundred requests a second
# per worker, 2,000 meant a new worker every few seconds.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Import Django once in the master: a new worker (also after max_requests) answers at once instead of after
# seconds of imports. Database connections and model sessions are opened lazily, after the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


# Metrics (core/metrics.py): with PROMETHEUS_MULTIPROC_DIR each worker writes its counters there; start from an
# empty directory and drop a dead worker's live gauges.
def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def pre_fork(server, worker):
    """Django, DRF and the models imported by preload_app: moved out of the garbage collector's sight, so a
    worker's full collections do not walk them (a long pause on a busy CPU), and their pages stay shared."""
    import gc

    gc.freeze()


def post_fork(server, worker):
    """glibc malloc tuning for a process whose threads decode photos: a few arenas instead of 8 per CPU, and
    buffers of 1 MB and more (decoded images) always mmapped, so freeing one gives the memory back to the system
    instead of leaving it in a thread's arena."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, int(os.environ.get("MALLOC_ARENA_MAX", "2")))  # M_ARENA_MAX
        libc.mallopt(-3, 1024 * 1024)  # M_MMAP_THRESHOLD (fixed: no dynamic raise)
    except (OSError, AttributeError):  # not glibc: its defaults then
        pass
