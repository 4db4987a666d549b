"""Settings from the environment.

No variables set = the embedded runtime: SQLite under NOBAT_DATA_DIR, in-memory channel layer,
Dramatiq stub broker worked by an in-process thread. DATABASE_URL=postgres://... and
REDIS_URL=redis://... switch to the production runtime.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

from scheduler.config import env

# Lets generic Django classes be subscripted at run time (ModelAdmin[Clinic], QuerySet[...]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("NOBAT_DATA_DIR", Path.cwd() / ".data"))

DEBUG = env.flag("DJANGO_DEBUG", default=False)
SECRET_KEY = env.secret_key(DATA_DIR)
# Earlier secret keys, comma-separated: what they signed (sessions, account and visit links)
# still verifies, while only SECRET_KEY signs anew. Rotation: deploy/README.md.
SECRET_KEY_FALLBACKS = env.csv("DJANGO_SECRET_KEY_FALLBACKS", default="")
ALLOWED_HOSTS = env.csv("ALLOWED_HOSTS", default="localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env.csv("CSRF_TRUSTED_ORIGINS", default="")

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
# The channel layer's and the task queue's Redis, each its own once busy (deploy/README.md,
# Beyond one machine); by default REDIS_URL's, which also keeps the cache.
CHANNELS_REDIS_URL = os.environ.get("CHANNELS_REDIS_URL") or REDIS_URL
BROKER_REDIS_URL = os.environ.get("BROKER_REDIS_URL") or REDIS_URL
PRODUCTION_RUNTIME = bool(DATABASE_URL)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "scheduler.config.apps.NobatConfig",
    "scheduler.adapters.orm.apps.OrmConfig",
    "scheduler.adapters.gcal.apps.GcalConfig",
    "scheduler.adapters.notify.apps.NotifyConfig",
    "scheduler.adapters.audit.apps.AuditConfig",
    "scheduler.entrypoints.web.apps.WebConfig",
]

MIDDLEWARE = [
    "scheduler.entrypoints.request_metrics.RequestMetricsMiddleware",
    "scheduler.entrypoints.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scheduler.adapters.audit.middleware.AuditOriginMiddleware",
    "scheduler.entrypoints.language.PreferredLanguageMiddleware",
    "scheduler.entrypoints.body_charset.Utf8BodiesMiddleware",  # refused in the reader's words
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Pages run only this site's scripts and styles (no inline ones: the pages have none), talk
# only to this site (its API and sockets), and are framed by no one. The API docs' Swagger UI
# has an inline bootstrap script: that one page goes without.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "scheduler.config.urls"
ASGI_APPLICATION = "scheduler.config.asgi.application"
AUTH_USER_MODEL = "orm.User"
# Sign in with a username, an email address or a phone number (see the module).
AUTHENTICATION_BACKENDS = ["scheduler.adapters.orm.sign_in.LoginNameBackend"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Ahead of the apps' own: the admin's base_site.html here (Nobat's names, the Persian
        # font) takes the place of django.contrib.admin's, which is installed first.
        "DIRS": [BASE_DIR / "entrypoints" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scheduler.entrypoints.web.welcome.welcome",
            ]
        },
    }
]


def _database() -> dict[str, Any]:
    if PRODUCTION_RUNTIME:
        return _postgres()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("NOBAT_SQLITE_PATH", str(DATA_DIR / "nobat.sqlite3")),
        # IMMEDIATE takes the write lock when a transaction starts, so the overlap check
        # and the insert of one booking can never interleave with another's.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
        "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
    }


def _postgres() -> dict[str, Any]:
    # Django's advice under ASGI: no persistent connections (daphne runs each request's sync
    # code in a thread of its own, and a connection kept by a thread that is gone stays open
    # until collected), but the backend's pool. DATABASE_POOL_SIZE > 0 gives each process a
    # psycopg pool of at most that many connections, shared by its threads (psycopg[pool]);
    # 0 opens one per request and closes it after, unless DATABASE_CONN_MAX_AGE keeps it
    # (seconds). Threads that live as long as the process (relay, sweeps, Dramatiq's) keep
    # theirs either way (adapters.thread_connections). Sizes against max_connections:
    # deploy/README.
    pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "0"))
    config: dict[str, Any] = dict(
        dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if pool_size else int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
            conn_health_checks=True,
        )
    )
    if pool_size:
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(4, pool_size),
            "max_size": pool_size,
            # A request that finds every connection busy waits this long, then fails (a 500)
            # rather than pile up.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    # Behind PgBouncer in transaction mode a cursor held across transactions (.iterator()
    # outside one) would meet another server connection: Django then reads whole results.
    config["DISABLE_SERVER_SIDE_CURSORS"] = env.flag("DISABLE_SERVER_SIDE_CURSORS", default=False)
    return config


# The hot statements (a booking's reads, a delivery's lock and update) are prepared on each
# PostgreSQL connection (adapters.orm.prepared); false behind PgBouncer in transaction mode.
DATABASE_PREPARED_STATEMENTS = env.flag("DATABASE_PREPARED_STATEMENTS", default=True)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if CHANNELS_REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: one message per group reaches each process, which hands it to its own
            # sockets; the list-based core layer queues one message per socket (1,000 sockets
            # on a grid = 1,000 Redis pops per change). Ours tells the sockets when a process
            # subscribes again after Redis went away (adapters.channel_layer).
            "BACKEND": "scheduler.adapters.channel_layer.PubSubLayer",
            # A prefix of its own lets several sites (or test runs) share one Redis.
            "CONFIG": {
                "hosts": [CHANNELS_REDIS_URL],
                "prefix": os.environ.get("CHANNELS_PREFIX", "asgi"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache keeps the sign-in throttles' counts: shared by every process in production.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CHANNELS_PREFIX", "nobat"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Read by adapters.broker.install when the app sets up the Dramatiq broker.
DRAMATIQ_BROKER_URL = BROKER_REDIS_URL
# Prefixes Dramatiq's Redis keys: two deployments (or test runs) can share one Redis.
DRAMATIQ_NAMESPACE = os.environ.get("DRAMATIQ_NAMESPACE", "dramatiq")

# Where a phone number written without a country code is read (ISO 3166 code).
PHONE_REGION = os.environ.get("PHONE_REGION", "IR")
LANGUAGES = [("en", "English"), ("fa", "فارسی")]
# The language of a page or message for someone who chose none and whose browser asks for
# none we have, where no clinic's own default applies.
LANGUAGE_CODE = env.one_of("NOBAT_LANGUAGE", [code for code, _ in LANGUAGES], default="en")
# The catalogs (.po in the repository; .mo compiled by ./run, never committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
# Uploads (doctors' photos) live outside the web root and are served only by the app's views.
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Patients' documents: beside MEDIA_ROOT, not in it, with no URL at all (base_url None):
    # read only through the authorized download. Files readable by the server's user alone.
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("NOBAT_DOCUMENTS_DIR", str(DATA_DIR / "documents")),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
}

# Sign-up's passwords: not like the username, name or email, long enough, not a common one.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "scheduler.entrypoints.api.authentication.LanguageJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "scheduler.entrypoints.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "scheduler.entrypoints.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "scheduler.entrypoints.api.pagination.Pages",
    "DEFAULT_PARSER_CLASSES": [
        "scheduler.entrypoints.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=10),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    # A refresh token is good once: each refresh hands out the next and blacklists the last,
    # and logout blacklists it. Tokens carry a hash of the password: changing it ends them.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
    # A key of its own, so that the secret key can rotate without signing every API client
    # out: simplejwt verifies with one key and knows no fallbacks. Empty: the secret key.
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Nobat API",
    "DESCRIPTION": "Appointment scheduling for medical offices.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed package: the docs work without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatus": "scheduler.entrypoints.api.schema.STATUS_CHOICES",
        "Role": "scheduler.entrypoints.api.schema.ROLE_CHOICES",
        "SelfServiceRole": "scheduler.entrypoints.api.schema.SELF_SERVICE_ROLE_CHOICES",
        "Language": "scheduler.entrypoints.api.schema.LANGUAGE_CHOICES",
        "DayPart": "scheduler.entrypoints.api.waitlist.PART_CHOICES",
    },
}

# "json": one JSON object a line (time, level, logger, message, request_id, user_id,
# appointment_id), for a log collector; "plain": lines for a person at a terminal.
LOG_FORMAT = env.one_of(
    "LOG_FORMAT", ["json", "plain"], default="json" if PRODUCTION_RUNTIME else "plain"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            # On the handler: a logger's filters miss what its child loggers write.
            "filters": ["context", "secrets", "refusals"],
        }
    },
    "filters": {
        "refusals": {"()": "scheduler.config.logs.RefusalsWithoutTraceback"},
        "context": {"()": "scheduler.config.log_context.WithContext"},
        "secrets": {"()": "scheduler.config.logs.WithoutSecretPaths"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Without Django's own handlers (a stderr one under DEBUG, mail to ADMINS): they would
        # write its records, paths and all, before the console's filter sees them.
        "django": {"handlers": []},
        "django.db.backends": {"level": "WARNING"},
    },
}

# /health/ready fails once the oldest undelivered outbox event is older than this (seconds).
HEALTH_OUTBOX_MAX_AGE_SECONDS = float(os.environ.get("HEALTH_OUTBOX_MAX_AGE_SECONDS", "120"))
# /health/ready reads the migration graph again only this long after it found them all applied.
HEALTH_MIGRATIONS_CACHE_SECONDS = float(os.environ.get("HEALTH_MIGRATIONS_CACHE_SECONDS", "30"))
# Who may read /metrics and the details of /health/ready (networks, comma-separated; the
# client's address through TRUSTED_PROXIES).
METRICS_ALLOWED_NETWORKS = env.networks("METRICS_ALLOWED_NETWORKS", default="127.0.0.1/32,::1/128")

# How often the outbox relay sweeps for events left behind (seconds).
OUTBOX_SWEEP_SECONDS = float(os.environ.get("OUTBOX_SWEEP_SECONDS", "2"))
# How long a relay's claim on an event lasts (seconds): after a crash, how soon another relay
# takes the event over, and the later events of its stream with it. Longer than any delivery.
OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))

# Google Calendar (adapters.gcal). Without a client id and secret the doctor page says so.
GCAL_CLIENT_ID = os.environ.get("GCAL_CLIENT_ID", "")
GCAL_CLIENT_SECRET = os.environ.get("GCAL_CLIENT_SECRET", "")
# The OAuth callback as registered with Google; empty: this site's /doctor/calendar/callback/.
GCAL_REDIRECT_URI = os.environ.get("GCAL_REDIRECT_URI", "")
# Fernet keys sealing the tokens, comma-separated, newest first; empty: derived from SECRET_KEY.
GCAL_TOKEN_KEY = os.environ.get("GCAL_TOKEN_KEY", "")
# Where Google can reach /api/gcal/notifications/; empty: no push channels. Google posts to
# https:// addresses only, so anything else refuses to start instead of failing every watch.
GCAL_PUBLIC_BASE_URL = env.https_url("GCAL_PUBLIC_BASE_URL")
# How often every connected doctor's busy times are pulled (seconds), by the worker.
GCAL_SYNC_SECONDS = float(os.environ.get("GCAL_SYNC_SECONDS", "300"))
GCAL_HTTP_TIMEOUT_SECONDS = float(os.environ.get("GCAL_HTTP_TIMEOUT_SECONDS", "20"))
GCAL_AUTH_URI = os.environ.get("GCAL_AUTH_URI", "https://accounts.google.com/o/oauth2/v2/auth")
GCAL_TOKEN_URI = os.environ.get("GCAL_TOKEN_URI", "https://oauth2.googleapis.com/token")
GCAL_REVOKE_URI = os.environ.get("GCAL_REVOKE_URI", "https://oauth2.googleapis.com/revoke")
GCAL_API_ROOT = os.environ.get("GCAL_API_ROOT", "https://www.googleapis.com/")

# -- notifications (adapters.notify) -----------------------------------------------------------
# Email through Django's mail API: SMTP when EMAIL_HOST is set, else files under the data dir.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.flag("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nobat <no-reply@nobat.localhost>")

# SMS: "file" (lines under the data dir), "console" (the log) or "kavenegar" (its REST API).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "file")
SMS_FILE_PATH = DATA_DIR / "sms.log"
SMS_API_URL = os.environ.get("SMS_API_URL", "https://api.kavenegar.com/v1")
SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "")
SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))

# The sweep (every NOTIFY_SWEEP_SECONDS in each worker) hands the task queue what is due within
# NOTIFY_ENQUEUE_AHEAD_HOURS and was not handed over yet, and again whatever is still queued
# NOTIFY_LOST_AFTER_SECONDS after it fell due and was last handed over: its message was lost.
NOTIFY_SWEEP_SECONDS = float(os.environ.get("NOTIFY_SWEEP_SECONDS", "30"))
NOTIFY_LOST_AFTER_SECONDS = float(os.environ.get("NOTIFY_LOST_AFTER_SECONDS", "600"))
NOTIFY_ENQUEUE_AHEAD_HOURS = float(os.environ.get("NOTIFY_ENQUEUE_AHEAD_HOURS", "48"))

# How often each server or worker refreshes the search's free time that time overtook (a next
# free slot now inside its least notice, a clinic's day turned); what events marked is
# refreshed at once as well (the relay wakes the sweep).
DIRECTORY_SWEEP_SECONDS = float(os.environ.get("DIRECTORY_SWEEP_SECONDS", "60"))
# Slot holds past their expiry are released (and grids repaint) within this while; none
# keeps anyone off its slot meanwhile (a booking releases the expired hold in its way).
HOLD_SWEEP_SECONDS = float(os.environ.get("HOLD_SWEEP_SECONDS", "10"))
# The waitlist's sweep ends offers whose window is over (their delayed message lost) and tells
# the patients of offers a lost message did not tell within WAITLIST_TELL_LOST_AFTER_SECONDS.
WAITLIST_SWEEP_SECONDS = float(os.environ.get("WAITLIST_SWEEP_SECONDS", "10"))
WAITLIST_TELL_LOST_AFTER_SECONDS = float(os.environ.get("WAITLIST_TELL_LOST_AFTER_SECONDS", "60"))

# Where people reach this site: links in messages (a patient's place in the queue) start here.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# The clinics' first day of the week, for the week views (0 Sunday ... 6 Saturday, as in
# JavaScript): Saturday in Iran, whatever the language of the page.
WEEK_STARTS_ON = int(os.environ.get("WEEK_STARTS_ON", "6"))

# The audit trail records each request's peer address. Behind a reverse proxy that is the
# proxy's: list its addresses (or networks, e.g. 10.0.0.0/8) and the client's is read from
# X-Forwarded-For instead. Empty by default: a header anyone can send is not believed.
TRUSTED_PROXIES = env.csv("TRUSTED_PROXIES", default="")

CSRF_FAILURE_VIEW = "scheduler.entrypoints.web.error_pages.csrf_failure"
# How often an open socket checks that its viewer may still see what it shows (deactivated,
# demoted, signed out: closed within this many seconds).
SOCKET_RECHECK_SECONDS = float(os.environ.get("SOCKET_RECHECK_SECONDS", "60"))
# Sockets one client address (through TRUSTED_PROXIES) may hold open in one web process; the
# next is closed with 4429. A person's pages open a few; behind a proxy not listed in
# TRUSTED_PROXIES every client is the proxy's address, and shares this.
WS_MAX_SOCKETS_PER_CLIENT = int(os.environ.get("WS_MAX_SOCKETS_PER_CLIENT", "30"))
# Guessing passwords or making accounts by the thousand: requests a minute per address (and
# per account name, for signing in); beyond, 429 with Retry-After (entrypoints.api.throttles).
SIGN_IN_RATE = os.environ.get("SIGN_IN_RATE", "10/min")
SIGN_IN_ACCOUNT_RATE = os.environ.get("SIGN_IN_ACCOUNT_RATE", "5/min")
SIGN_UP_RATE = os.environ.get("SIGN_UP_RATE", "5/min")
# New access tokens for a refresh token (which no one guesses) per address: apart from signing
# in, where a clinic's desks behind one address refresh every few minutes each.
TOKEN_REFRESH_RATE = os.environ.get("TOKEN_REFRESH_RATE", "60/min")
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "5/min")
PASSWORD_RESET_ACCOUNT_RATE = os.environ.get("PASSWORD_RESET_ACCOUNT_RATE", "3/hour")
VERIFICATION_RESEND_RATE = os.environ.get("VERIFICATION_RESEND_RATE", "3/hour")
# Changes of one's own email or phone (each says whether another account has it) per user.
CONTACT_CHANGE_RATE = os.environ.get("CONTACT_CHANGE_RATE", "5/hour")
# Staff looking patients up beyond their clinic (a whole phone number or email), or adding
# them, per user: a desk takes some calls an hour, not a number range.
PATIENT_LOOKUP_RATE = os.environ.get("PATIENT_LOOKUP_RATE", "60/hour")
# A patient's own bookings per account (the desk's for them are not counted): a family's week
# of visits, not a doctor's calendar taken by one account.
PATIENT_BOOKING_RATE = os.environ.get("PATIENT_BOOKING_RATE", "20/day")
# Reads of one private calendar feed (apps poll it; a leaked address polled hard is cut short).
CALENDAR_FEED_RATE = os.environ.get("CALENDAR_FEED_RATE", "60/hour")
# The live screens' snapshots over HTTP per address: a page whose network blocks sockets asks
# every 10 s (live.js), a clinic's screens behind one address a few times that; each snapshot
# is a round of queries, and a slot grid's asks no sign-in.
LIVE_SNAPSHOT_RATE = os.environ.get("LIVE_SNAPSHOT_RATE", "120/min")

# How long account links work: a password reset link (spent by the new password anyway), and
# the link proving an email address.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(2 * 60 * 60)))
EMAIL_VERIFICATION_MAX_AGE = int(
    os.environ.get("EMAIL_VERIFICATION_MAX_AGE", str(3 * 24 * 60 * 60))
)

# Served over HTTPS (a public https:// PUBLIC_URL, behind a proxy that terminates TLS): cookies
# only over TLS, browsers told to come back only over TLS for a year, plain HTTP redirected.
HTTPS = PUBLIC_URL.startswith("https://")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False  # the site's owner decides on preloading, not the code
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # ...which is what this check asks about
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
