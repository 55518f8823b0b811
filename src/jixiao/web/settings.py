"""Django settings. Safe by default: debug off unless JIXIAO_DEBUG=1, the secret key from the
environment or generated into the data folder, SQLite in ``$JIXIAO_HOME`` unless DATABASE_URL
names a PostgreSQL server."""

from __future__ import annotations

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from jixiao.web.home import audit_key, jixiao_home, secret_key, whole_number

HOME = jixiao_home()
DEBUG = os.environ.get("JIXIAO_DEBUG") == "1"
SECRET_KEY = secret_key(HOME)
JIXIAO_AUDIT_KEY = audit_key(HOME)  # signs the audit chain; see jixiao.web.audit.services
ALLOWED_HOSTS = [
    h for h in os.environ.get("JIXIAO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # before jixiao.web.pages, whose sign-in receivers run after axes' (web/signin.py)
    "jixiao.web.organizations",
    "jixiao.web.records",
    "jixiao.web.audit",
    "jixiao.web.results",
    "jixiao.web.cohorts",
    "jixiao.web.reviews",
    "jixiao.web.jobs",
    "jixiao.web.bureau",
    "jixiao.web.publications",
    "jixiao.web.frameworks",
    "jixiao.web.pages",
    "jixiao.web.api",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "django_tasks_db",  # the task queue's table (decision 0022)
]
if find_spec("django.tasks") is None:  # Django 5.2: the backport of Django 6's tasks
    INSTALLED_APPS.append("django_tasks")
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jixiao.web.pages.refusals.RefusalMiddleware",  # a refusal no page showed in place
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out attempt into its 429 answer
]
ROOT_URLCONF = "jixiao.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "jixiao.web.wsgi.application"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{HOME / 'jixiao.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked": every
    # transaction takes the write lock when it begins (IMMEDIATE, so none has to upgrade a read
    # lock, which SQLite refuses at once rather than wait), and a writer waits up to
    # SQLITE_BUSY_TIMEOUT seconds for it. WAL lets readers go on while one writes. The writers
    # of one process take turns on a lock that wakes the next at once (jixiao.web.sqlite).
    DATABASES["default"]["ENGINE"] = "jixiao.web.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("JIXIAO_SQLITE_BUSY_TIMEOUT", "60")),
        "init_command": "PRAGMA journal_mode=WAL;",
    }
# Background jobs (jixiao.web.jobs, decision 0022): a queue in the database itself, run by
# `jixiao worker` processes (one started by `jixiao serve` unless --no-jobs). A running job's
# worker marks it alive every JIXIAO_JOB_HEARTBEAT seconds; one silent for JIXIAO_JOB_STALE
# seconds (or whose process is gone, on the same machine) was interrupted and is resumed, at
# most JIXIAO_JOB_ATTEMPTS times in all, then reported interrupted.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JIXIAO_JOB_HEARTBEAT = 2
JIXIAO_JOB_STALE = whole_number("JIXIAO_JOB_STALE_SECONDS", 30)
JIXIAO_JOB_ATTEMPTS = 3
JIXIAO_JOBS_FOLDER = HOME / "jobs"  # the files jobs produce, served only through a checked view
JIXIAO_JOB_FILE_DAYS = whole_number("JIXIAO_JOB_FILE_DAYS", 7)  # then the workers delete them
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# New passwords (user administration): not like the username, at least 10 characters, not a
# common password, not only digits. The demo accounts are made by `jixiao demo` without these
# checks, though their password passes them (docs/security.md).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Usernames are unique and signed in with regardless of case; failed sign-ins are counted and
# locked out by django-axes (jixiao.web.signin, docs/security.md).
AUTHENTICATION_BACKENDS = ["jixiao.web.signin.SignInBackend"]
AXES_FAILURE_LIMIT = whole_number("JIXIAO_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=whole_number("JIXIAO_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "jixiao.web.signin.attempted_username"
AXES_LOCKOUT_CALLABLE = "jixiao.web.signin.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded in the audit log, not a second log
AXES_VERBOSE = False
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
USE_TZ = True
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True  # every asset is served from the package; no CDN, no collectstatic
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Scripts, styles and everything else from this site's own files only: no inline script or
# style, no eval, no plugins, no framing, forms post only here (docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# JIXIAO_HTTPS=1 for a server behind an HTTPS reverse proxy (`jixiao serve` trusts the proxy
# named by JIXIAO_TRUSTED_PROXY for the scheme and the client's address; see web/runtime.py):
# cookies only over HTTPS, plain HTTP redirected, and HSTS for a year, subdomains and
# preloading included — so jixiao must have a host name of its own (docs/security.md).
HTTPS = os.environ.get("JIXIAO_HTTPS") == "1"
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "jixiao.web.signin.LockoutBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "jixiao.web.api.errors.handle",  # a refusal's one status everywhere
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jixiao API",
    "DESCRIPTION": "预算绩效管理：年度绩效自评的数据集与评价结果。权限与页面相同。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # like the API
}

# Each audit event's signed checkpoint goes to standard error (the service's journal or system
# log), outside the database: `jixiao audit verify --checkpoints LOG` checks them later.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"checkpoint": {"format": "%(asctime)s 审计检查点：%(message)s"}},
    "handlers": {
        "checkpoints": {"class": "logging.StreamHandler", "formatter": "checkpoint"},
    },
    "loggers": {
        "jixiao.audit": {"handlers": ["checkpoints"], "level": "INFO", "propagate": False},
    },
}
