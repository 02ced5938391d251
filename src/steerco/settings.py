"""Steerco settings: one module, driven by environment variables.

SQLite (WAL) in ``STEERCO_DATA_DIR`` works with no configuration; set
``DATABASE_URL`` for PostgreSQL. Any secret may also come from a file named by
``<NAME>_FILE`` (Docker/Kubernetes secrets). ``STEERCO_PRODUCTION=1`` turns on
the hardened settings that ``manage.py check --deploy`` expects.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url


def env(name: str, default: str = "") -> str:
    """Read ``name`` from the environment, or from the file named by ``name_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("STEERCO_DATA_DIR", str(Path.cwd() / "var"))).resolve()
PRODUCTION = env_bool("STEERCO_PRODUCTION")
TESTING = env_bool("STEERCO_TESTING")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env("SECRET_KEY") or (
    "" if PRODUCTION else "steerco-development-key-not-for-production-use-0123456789abcdef"
)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("SECRET_KEY (or SECRET_KEY_FILE) must be set when STEERCO_PRODUCTION=1")

ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]
SITE_URL = env("SITE_URL", "http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "steerco.core",
    "steerco.accounts",
    "steerco.jobs",
    "steerco.portfolios",
    "steerco.projects",
    "steerco.resources",
    "steerco.finance",
    "steerco.governance",
    "steerco.comms",
    "steerco.reports",
    "steerco.api",
    "steerco.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "steerco.urls"
WSGI_APPLICATION = "steerco.wsgi.application"

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
                "steerco.web.context_processors.navigation",
            ]
        },
    }
]

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "steerco.sqlite3"),
            # WAL lets the web server and the worker read while the other writes.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Login throttling: lock a username+address pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = not env_bool("STEERCO_DISABLE_THROTTLE")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
WHITENOISE_USE_FINDERS = not PRODUCTION
# Front-end packages come from npm at pinned versions (package-lock.json) and are never committed.
NODE_MODULES = Path(env("STEERCO_NODE_MODULES", str(BASE_DIR.parent.parent / "node_modules")))
# Only the packages the pages load: WhiteNoise scans every file of these folders at start-up.
VENDOR_PACKAGES = ["htmx.org", "vega", "vega-lite", "vega-embed", "vega-interpreter"]
STATICFILES_DIRS = [
    (f"vendor/{package}", str(NODE_MODULES / package))
    for package in VENDOR_PACKAGES
    if (NODE_MODULES / package).exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"

# Strict Content-Security-Policy: no inline script or style, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page's meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "steerco@localhost")

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env("LOG_LEVEL", "INFO" if PRODUCTION else "WARNING"),
    },
}

NINJA_PAGINATION_CLASS = "ninja.pagination.PageNumberPagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
