"""Settings for both run modes, read from the environment (see .env.example).

Embedded default (no variables): SQLite, local-memory cache, eager Celery, DEBUG on.
Production: DATABASE_URL, REDIS_URL, CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS ... with DEBUG off.
"""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from ai.types import CAPABILITIES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Embedded mode: a generated key, kept in a git-ignored file so tokens survive a restart.
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# How many reverse proxies of ours stand in front (nginx: 1). Client IPs, throttles and request logs take the
# address the outermost of them saw from X-Forwarded-For; with 0 the header is ignored (any client can send it).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "billing",
    "ai",
    "classifier",
    "geo",
    "nailstudio",
    "abilities",
    "imageedit",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.metrics.MetricsMiddleware",
    "core.middleware.ApiGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.WhiteNoiseMiddleware",  # WhiteNoise, async-capable
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # Django's backend with a health check that skips connections used a moment ago (see core/db/mysql).
    DATABASES["default"]["ENGINE"] = "core.db.mysql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (threads, a dev server and a worker) wait for the lock instead of failing at once;
    # the test database is a file too, since in-memory shared-cache SQLite cannot wait for locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Keep connections: closing the last one to a WAL database checkpoints it (several fsyncs a request).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"xintu-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="xintu")
# Redis is an accelerator: after a connection error it counts as down for REDIS_RETRY_SECONDS (core/redis.py).
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=2.0)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis with a per-process fallback when it is unreachable (see core/cache.py).
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "xintu"}}

# --- Auth -----------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}

# --- I18N -----------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
# Private files (customer photos, designs) live outside MEDIA_ROOT and are only served through short-lived signed
# links (core.private_media). Empty root: a "private_media" folder next to MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = env.str("PRIVATE_MEDIA_ROOT", default="")
PRIVATE_MEDIA_URL_MAX_AGE = env.int("PRIVATE_MEDIA_URL_MAX_AGE", default=600)
PRIVATE_MEDIA_ACCEL_REDIRECT = env.str("PRIVATE_MEDIA_ACCEL_REDIRECT", default="")  # nginx internal location

# --- Nail studio (nailstudio app) -----------------------------------------------------------------------------
NAIL_DESIGN_CREDITS = env.int("NAIL_DESIGN_CREDITS", default=2)
# An artist's identical design request within this many days is answered with a copy of the stored image, free.
NAIL_DESIGN_CACHE_DAYS = env.int("NAIL_DESIGN_CACHE_DAYS", default=7)

# --- Ability center (abilities app) ---------------------------------------------------------------------------
ABILITY_HALF_LIFE_DAYS = env.float("ABILITY_HALF_LIFE_DAYS", default=30.0)  # recency weighting of scores
ABILITY_SUMMARY_CACHE_SECONDS = env.int("ABILITY_SUMMARY_CACHE_SECONDS", default=3600)

# --- Uploads --------------------------------------------------------------------------------------------------
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=10)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=50_000_000)
# Decoded pixels one request may make the server hold (what the headers of a batch claim, summed): 413 above.
MAX_BATCH_PIXELS = env.int("MAX_BATCH_PIXELS", default=100_000_000)
MAX_STORED_IMAGE_SIDE = env.int(
    "MAX_STORED_IMAGE_SIDE", default=4096
)  # larger uploads are downscaled to keep
# Django itself must let the multipart body through so our validator can answer 413 image_too_large.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- DRF ------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "nail_analysis": env.str("THROTTLE_NAIL_ANALYSIS", default="30/min"),
    },
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # DRF's throttles identify anonymous clients as core.request.client_ip
    # JSON only; the browsable API is for people, in DEBUG (core.renderers keeps errors JSON there too).
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"]
    + (["core.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # JSON bodies only, unless a view takes uploads (it then names MultiPartParser): a form encoding cannot say
    # what the documented JSON can (lists, null), so it is neither accepted nor documented elsewhere.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "芯图 Xintu API",
    "DESCRIPTION": (
        "Photo album classifier and nail studio API. Authenticate with `POST /api/v1/auth/token` and send "
        '`Authorization: Bearer <access>`. Every error is `{"error": {"code", "message", "details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
        "core.schema.add_tags",
        "core.schema.close_request_bodies",
    ],
}

# --- Celery ---------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "cache+memory://",
)
# Without a broker every task runs inline: the embedded mode needs no worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Surviving broker blips (docs/operations.md): reconnect for as long as it takes, not 100 times; tasks running
# when the connection drops keep running (their late ack may be lost: the message then comes again and the task
# finds its job finished or running, see core/jobs.py); storing a result (the step that failed during an
# outage) retries until the backend is back.
if CELERY_BROKER_URL.startswith("redis"):  # survives a broker restart with tasks running (see core/worker.py)
    CELERY_BROKER_TRANSPORT = "core.worker:Transport"
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
CELERY_RESULT_BACKEND_MAX_RETRIES = 10
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_keepalive": True, "health_check_interval": 10}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Tasks that wait on remote models go to their own queue, served by a thread pool (many calls in flight per
# worker host, not one process each); the default queue keeps a process pool for CPU-bound work. See the README
# (Production) and docs/async.md. A renamed default queue (tests, CI) renames this one alongside.
CELERY_AI_QUEUE = env.str(
    "CELERY_AI_QUEUE",
    default="ai" if CELERY_TASK_DEFAULT_QUEUE == "celery" else f"{CELERY_TASK_DEFAULT_QUEUE}-ai",
)
CELERY_TASK_ROUTES = {
    name: {"queue": CELERY_AI_QUEUE}
    for name in (
        "imageedit.tasks.run_image_edit",
        "nailstudio.tasks.generate_design",
        "nailstudio.tasks.compare_service",
        "classifier.tasks.run_classify_job",
    )
}
CELERY_BEAT_SCHEDULE: dict = {}
# Stalled jobs (core/jobs.py): a running job beats every JOB_HEARTBEAT_SECONDS; three missed beats make it
# stalled, and beat's sweeps (every JOB_STALL_CHECK_SECONDS) re-queue it once or fail it, credits released.
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=30)
JOB_STALL_CHECK_SECONDS = env.int("JOB_STALL_CHECK_SECONDS", default=60)

# --- AI providers (ai app) -----------------------------------------------------------------------------------
DASHSCOPE_API_KEY = env.str("DASHSCOPE_API_KEY", default="")
DASHSCOPE_BASE_URL = env.str("DASHSCOPE_BASE_URL", default="https://dashscope.aliyuncs.com/api/v1")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="https://api.openai.com/v1")
AI_MODELS = {
    "dashscope": {
        "classify_photo": env.str("DASHSCOPE_VISION_MODEL", default="qwen-vl-max"),
        "analyze_image": env.str("DASHSCOPE_VISION_MODEL", default="qwen-vl-max"),
        "compare_images": env.str("DASHSCOPE_VISION_MODEL", default="qwen-vl-max"),
        "generate_image": env.str("DASHSCOPE_IMAGE_MODEL", default="wanx2.1-t2i-turbo"),
        "edit_image": env.str("DASHSCOPE_EDIT_MODEL", default="wanx2.1-imageedit"),
    },
    "openai": {
        "classify_photo": env.str("OPENAI_VISION_MODEL", default="gpt-4o-mini"),
        "analyze_image": env.str("OPENAI_VISION_MODEL", default="gpt-4o-mini"),
        "compare_images": env.str("OPENAI_VISION_MODEL", default="gpt-4o-mini"),
        "generate_image": env.str("OPENAI_IMAGE_MODEL", default="gpt-image-1"),
        "edit_image": env.str("OPENAI_IMAGE_MODEL", default="gpt-image-1"),
    },
    "local": {"classify_photo": "local-onnx-v1"},
}
_DEFAULT_CHAIN = "dashscope,openai,local"
AI_CHAINS = {
    capability: env.list(f"AI_{capability.split('_')[0].upper()}_CHAIN", default=_DEFAULT_CHAIN.split(","))
    for capability in CAPABILITIES
}
AI_CONNECT_TIMEOUT = env.float("AI_CONNECT_TIMEOUT", default=5.0)
AI_READ_TIMEOUT = env.float("AI_READ_TIMEOUT", default=60.0)
AI_MAX_RETRIES = env.int("AI_MAX_RETRIES", default=2)
# Total seconds for one provider call, retries included; then the chain moves on (image capabilities get
# AI_TASK_TIMEOUT instead: an image model's task takes longer). See docs/async.md.
AI_REQUEST_DEADLINE_SECONDS = env.float("AI_REQUEST_DEADLINE_SECONDS", default=20.0)
AI_RETRY_BASE_DELAY = env.float("AI_RETRY_BASE_DELAY", default=0.5)
AI_RETRY_MAX_DELAY = env.float("AI_RETRY_MAX_DELAY", default=8.0)
AI_BREAKER_THRESHOLD = env.int("AI_BREAKER_THRESHOLD", default=5)
AI_BREAKER_COOLDOWN = env.int("AI_BREAKER_COOLDOWN", default=60)
AI_IMAGE_MAX_SIDE = env.int("AI_IMAGE_MAX_SIDE", default=1024)
AI_IMAGE_JPEG_QUALITY = env.int("AI_IMAGE_JPEG_QUALITY", default=85)
AI_TASK_POLL_INTERVAL = env.float("AI_TASK_POLL_INTERVAL", default=1.0)
AI_TASK_TIMEOUT = env.int("AI_TASK_TIMEOUT", default=180)
# CNY per 1k input/output tokens and per generated image; override the whole table with AI_PRICES_JSON.
AI_PRICES = env.json(
    "AI_PRICES_JSON",
    default={
        "dashscope:qwen-vl-max": {"input_per_1k": "0.003", "output_per_1k": "0.009"},
        "dashscope:qwen-vl-plus": {"input_per_1k": "0.0015", "output_per_1k": "0.0045"},
        "dashscope:wanx2.1-t2i-turbo": {"per_image": "0.14"},
        "dashscope:wanx2.1-imageedit": {"per_image": "0.14"},
        "openai:gpt-4o-mini": {"input_per_1k": "0.0011", "output_per_1k": "0.0044"},
        "openai:gpt-4o": {"input_per_1k": "0.018", "output_per_1k": "0.072"},
        "openai:gpt-image-1": {"input_per_1k": "0.036", "output_per_1k": "0.288"},
    },
)
LOCAL_MODEL_THREADS = env.int("LOCAL_MODEL_THREADS", default=1)

# --- Billing: WeChat login, WeChat Pay v3, credits (billing app) -----------------------------------------------
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
WECHAT_API_BASE_URL = env.str("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com")
WECHAT_TIMEOUT_SECONDS = env.float("WECHAT_TIMEOUT_SECONDS", default=5.0)
WECHATPAY_MCH_ID = env.str("WECHATPAY_MCH_ID", default="")
WECHATPAY_PRIVATE_KEY_PATH = env.str("WECHATPAY_PRIVATE_KEY_PATH", default="")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_PUBLIC_KEY_PATH = env.str("WECHATPAY_PUBLIC_KEY_PATH", default="")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
# The platform-certificate mode (alone or next to the public key): a directory of the platform certificates' PEMs
WECHATPAY_PLATFORM_CERT_DIR = env.str("WECHATPAY_PLATFORM_CERT_DIR", default="")
WECHATPAY_NOTIFY_URL = env.str("WECHATPAY_NOTIFY_URL", default="")
# Where refund notifications go; empty: WECHATPAY_NOTIFY_URL (both URLs dispatch on event_type)
WECHATPAY_REFUND_NOTIFY_URL = env.str("WECHATPAY_REFUND_NOTIFY_URL", default="")
WECHATPAY_BASE_URL = env.str("WECHATPAY_BASE_URL", default="https://api.mch.weixin.qq.com")
WECHATPAY_ORDER_EXPIRE_MINUTES = env.int("WECHATPAY_ORDER_EXPIRE_MINUTES", default=120)
FREE_REMOTE_CLASSIFICATIONS_PER_DAY = env.int("FREE_REMOTE_CLASSIFICATIONS_PER_DAY", default=20)
CREDITS_PER_REMOTE_CLASSIFICATION = env.int("CREDITS_PER_REMOTE_CLASSIFICATION", default=1)
CELERY_BEAT_SCHEDULE["billing-reconcile-orders"] = {
    "task": "billing.tasks.reconcile_orders",
    "schedule": env.int("BILLING_RECONCILE_EVERY_SECONDS", default=300),
}
BILLING_REFUND_RECHECK_SECONDS = env.int("BILLING_REFUND_RECHECK_SECONDS", default=600)
# WeChat makes yesterday's bill from 10:00 (Asia/Shanghai, as CELERY_TIMEZONE)
CELERY_BEAT_SCHEDULE["billing-reconcile-bills"] = {
    "task": "billing.tasks.reconcile_bills",
    "schedule": crontab(hour=env.int("BILLING_BILL_HOUR", default=10), minute=30),
}

# --- Web tier under ASGI (config/asgi.py, core/lanes.py, docs/async.md) ---------------------------------------
# Threads per web process for synchronous code: every sync view runs in a "web" lane; uploads' decoding and the
# offline model in "upload" lanes. Each lane keeps one database connection: a host holds at most
# GUNICORN_WORKERS x (WEB_LANES + UPLOAD_LANES) of them, whatever the number of requests waiting on a model.
WEB_LANES = env.int("WEB_LANES", default=4)
UPLOAD_LANES = env.int("UPLOAD_LANES", default=2)
UPLOAD_LANE_NICE = env.int("UPLOAD_LANE_NICE", default=10)  # upload lanes' threads run at this nice value

# --- Album classifier (classifier app) -------------------------------------------------------------------------
CLASSIFY_BATCH_MAX = env.int("CLASSIFY_BATCH_MAX", default=20)
CLASSIFY_BATCH_CONCURRENCY = env.int("CLASSIFY_BATCH_CONCURRENCY", default=4)
# A batch image is shrunk to this (longest side) as soon as it is decoded: what the models need, no more.
CLASSIFY_BATCH_IMAGE_SIDE = env.int("CLASSIFY_BATCH_IMAGE_SIDE", default=1536)
# Near-duplicate reuse (docs/neardup.md): pHash distance at most this many bits (-1 turns reuse off), and the
# least texture (median distance of the hash's DCT coefficients from their median, grey levels) an image needs
# for its hash to be trusted.
CLASSIFIER_NEAR_DUP_BITS = env.int("CLASSIFIER_NEAR_DUP_BITS", default=6)
CLASSIFIER_NEAR_DUP_MIN_TEXTURE = env.float("CLASSIFIER_NEAR_DUP_MIN_TEXTURE", default=2.0)
REQUEST_LOG_RETENTION_DAYS = env.int("REQUEST_LOG_RETENTION_DAYS", default=90)
# AICall rows are purged with the request logs (daily); the costs stats keep them in rollups (docs/stats.md).
AI_CALL_RETENTION_DAYS = env.int("AI_CALL_RETENTION_DAYS", default=90)
# check-cache on Redis: copies of fresh results, and hits logged in a list written in bulk (see
# classifier/services/checkcache/). Off: every check-cache reads and writes the database.
CLASSIFIER_REDIS = env.bool("CLASSIFIER_REDIS", default=bool(REDIS_URL))
CLASSIFIER_COPY_SECONDS = env.int("CLASSIFIER_COPY_SECONDS", default=24 * 3600)
# Distinct users correcting one hash to one category before staff are asked to review it (docs/classifier.md).
CLASSIFIER_REVIEW_THRESHOLD = env.int("CLASSIFIER_REVIEW_THRESHOLD", default=3)
CELERY_BEAT_SCHEDULE["classifier-flush-cache-hits"] = {
    "task": "classifier.tasks.flush_cache_hits",
    "schedule": env.int("CLASSIFIER_HIT_FLUSH_SECONDS", default=10),
}
# Copies whose entry was deleted or replaced while Redis was down are dropped by beat once it answers again.
CELERY_BEAT_SCHEDULE["classifier-forget-stale-copies"] = {
    "task": "classifier.tasks.forget_stale_copies",
    "schedule": 60,
}
# An async batch job with no progress for this long (its worker died, its message was lost) is failed by beat.
CLASSIFY_JOB_STALL_SECONDS = env.int("CLASSIFY_JOB_STALL_SECONDS", default=900)
CELERY_BEAT_SCHEDULE["classifier-fail-stalled-jobs"] = {
    "task": "classifier.tasks.fail_stalled_jobs",
    "schedule": 300,
}
CELERY_BEAT_SCHEDULE["classifier-purge-request-logs"] = {
    "task": "classifier.tasks.purge_request_logs",
    "schedule": 24 * 3600,
}

# --- Image editing (imageedit app) ----------------------------------------------------------------------------
IMAGE_EDIT_CREDITS = env.int("IMAGE_EDIT_CREDITS", default=5)  # per free-text edit; presets are free
IMAGE_EDIT_MAX_RUNNING_PER_USER = env.int("IMAGE_EDIT_MAX_RUNNING_PER_USER", default=2)
IMAGE_EDIT_RETENTION_DAYS = env.int("IMAGE_EDIT_RETENTION_DAYS", default=7)
IMAGE_EDIT_FAILED_SOURCE_HOURS = env.int(
    "IMAGE_EDIT_FAILED_SOURCE_HOURS", default=24
)  # kept for staff retries
IMAGE_EDIT_MAX_SIDE = env.int("IMAGE_EDIT_MAX_SIDE", default=2048)
IMAGE_EDIT_SOFT_TIME_LIMIT = env.int("IMAGE_EDIT_SOFT_TIME_LIMIT", default=300)
IMAGE_EDIT_TIME_LIMIT = env.int("IMAGE_EDIT_TIME_LIMIT", default=330)
IMAGE_EDIT_RETRIES = env.int("IMAGE_EDIT_RETRIES", default=2)
IMAGE_EDIT_RETRY_DELAY = env.int("IMAGE_EDIT_RETRY_DELAY", default=15)
CELERY_BEAT_SCHEDULE["imageedit-purge-expired"] = {"task": "imageedit.tasks.purge_expired", "schedule": 3600}
CELERY_BEAT_SCHEDULE["imageedit-recover-stalled"] = {
    "task": "imageedit.tasks.recover_stalled",
    "schedule": JOB_STALL_CHECK_SECONDS,
}
CELERY_BEAT_SCHEDULE["nailstudio-recover-stalled"] = {
    "task": "nailstudio.tasks.recover_stalled",
    "schedule": JOB_STALL_CHECK_SECONDS,
}

# --- Metrics (GET /metrics, core/metrics.py) ---------------------------------------------------------------
# Scrapers from these networks need no token; anyone else needs a staff access token.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])

# --- Logging --------------------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_FILE = env.str("LOG_FILE", default="")
_handlers: dict = {
    "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
}
if LOG_FILE:
    _handlers["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": LOG_FILE,
        "maxBytes": 20 * 1024 * 1024,
        "backupCount": 5,
        "formatter": LOG_FORMAT,
        "filters": ["request_id"],
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        },
    },
    "handlers": _handlers,
    "root": {"handlers": list(_handlers), "level": LOG_LEVEL},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Security in production -----------------------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
