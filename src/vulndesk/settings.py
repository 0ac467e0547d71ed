"""vulndesk settings: one file, read from environment variables only.

Every variable is documented in README.md (Configuration). Secrets may be given
as ``<NAME>_FILE`` pointing at a file that holds the value.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str | None = None) -> str | None:
    """Read ``name`` from the environment, or the file named by ``name_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ImproperlyConfigured(
                f"{name}_FILE names {file_name!r}, which cannot be read: {reason}"
            ) from exc
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent

# "production" (the default: safe unless told otherwise) or "development".
VULNDESK_ENV = (env("VULNDESK_ENV", "production") or "production").lower()
if VULNDESK_ENV not in {"production", "development"}:
    raise ImproperlyConfigured("VULNDESK_ENV must be 'production' or 'development'")
PRODUCTION = VULNDESK_ENV == "production"

DATA_DIR = Path(env("VULNDESK_DATA_DIR", "./var") or "./var").resolve()

DEBUG = env_bool("VULNDESK_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("VULNDESK_DEBUG may not be on when VULNDESK_ENV=production")


def _secret_key() -> str:
    key = env("VULNDESK_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "VULNDESK_SECRET_KEY (or VULNDESK_SECRET_KEY_FILE) must be set in production; "
            "set VULNDESK_ENV=development for a local trial."
        )
    # Development: a random key kept in the data directory so sessions survive restarts.
    key_file = DATA_DIR / "dev-secret-key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list(
    "VULNDESK_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("VULNDESK_ALLOWED_HOSTS must name the host(s) vulndesk serves")
CSRF_TRUSTED_ORIGINS = env_list("VULNDESK_CSRF_TRUSTED_ORIGINS")

# The public base URL, used in links that leave the site (mail, records).
BASE_URL = (env("VULNDESK_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "vulndesk.core",
    "vulndesk.accounts",
    "vulndesk.reports",
    "vulndesk.advisories",
    "vulndesk.cna",
    "vulndesk.mail",
    "vulndesk.desk",
    "vulndesk.portal",
    "vulndesk.fixes",
    "vulndesk.public",
    "vulndesk.triage",
    "vulndesk.api",
    "vulndesk.webhooks",
    "ninja",  # serves the API docs page's assets locally instead of from a CDN
    # Login, email verification, password reset and multi-factor authentication.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.humanize",  # allauth's security-key list page uses it
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Team staff see nothing beyond /accounts/ and the public site until they pass MFA.
    "vulndesk.core.middleware.StaffMFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "vulndesk.urls"
WSGI_APPLICATION = "vulndesk.wsgi.application"

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
                "vulndesk.core.context_processors.nav",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    url = env("DATABASE_URL")
    if url:
        db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        db = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "vulndesk.sqlite3"),
        }
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so two writers queue
        # instead of failing with "database is locked" halfway through an action.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    test_name = env("VULNDESK_TEST_DB_NAME")
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Tests use a file, not memory, so that threads (concurrent key allocation) and a
        # CLI subprocess share the test database; it lives in the data directory.
        db["TEST"] = {"NAME": str(DATA_DIR / f"{test_name or 'test'}.sqlite3")}
    elif test_name:
        db["TEST"] = {"NAME": test_name}
    return {"default": db}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("VULNDESK_TIME_ZONE", "UTC") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The site's own stylesheet, htmx and scripts (src/vulndesk/static/vulndesk/).
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "files"

# Mail (sent through the outbox worker; see README).
EMAIL_HOST = env("VULNDESK_EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = int(env("VULNDESK_EMAIL_PORT", "25") or "25")
EMAIL_HOST_USER = env("VULNDESK_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env("VULNDESK_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("VULNDESK_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("VULNDESK_EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env("VULNDESK_FROM_EMAIL", "vulndesk@localhost") or "vulndesk@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# CVE Services (the CNA's account; see README). Development talks to the test service.
CVE_SERVICES = {
    "USER": env("VULNDESK_CVE_USER", "") or "",
    "ORG": env("VULNDESK_CVE_ORG", "") or "",
    "API_KEY": env("VULNDESK_CVE_API_KEY", "") or "",
    "ENV": env("VULNDESK_CVE_ENV", "prod" if PRODUCTION else "test") or "test",
    "URL": env("VULNDESK_CVE_URL", "") or "",
}

# GitHub (app fixes): without a token, PR and advisory URLs are entered by hand.
GITHUB_TOKEN = env("VULNDESK_GITHUB_TOKEN", "") or ""
GITHUB_API_URL = env("VULNDESK_GITHUB_API_URL", "https://api.github.com") or ""

# Caches hold login throttling counters and used TOTP codes: in the database, so every
# app server behind a load balancer counts the same (the table is made by a migration).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vulndesk_cache",
    }
}

# Accounts (django-allauth at /accounts/): log in by email address, new addresses are
# verified by a link before the first login, passwords reset by mail (through the outbox).
ACCOUNT_ADAPTER = "vulndesk.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[vulndesk] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# The session cookie lives as long as the server-side session (SESSION_COOKIE_AGE).
ACCOUNT_SESSION_REMEMBER = True
VULNDESK_SIGNUP_OPEN = env_bool("VULNDESK_SIGNUP_OPEN", default=True)
# Throttling (per client address and per account), counted in the shared cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env("VULNDESK_LOGIN_FAILED_LIMIT", "10/m/ip,5/5m/key") or "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
# Behind N proxies that append to X-Forwarded-For, the client is the N-th address from the
# right; 0 (no proxy): the connection's address. Per-address throttling needs it right.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("VULNDESK_TRUSTED_PROXY_COUNT", "0") or 0)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Multi-factor authentication: TOTP apps and recovery codes. Team admins and members must
# pass it before they see anything of a team (vulndesk.core.middleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# WebAuthn needs a secure origin; development serves http://127.0.0.1 (a secure context).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_TOTP_ISSUER = env("VULNDESK_MFA_ISSUER", "vulndesk") or "vulndesk"
MFA_FORMS = {"activate_totp": "vulndesk.accounts.forms.ActivateTOTPForm"}

# Security headers; the strict set is on in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A login session ends this many seconds after login (not extended by activity).
SESSION_COOKIE_AGE = int(env("VULNDESK_SESSION_AGE", str(12 * 3600)) or 12 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): no inline script or style anywhere, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the TOTP QR code
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    }
}
if PRODUCTION:
    # The header a TLS-terminating proxy sets to say the request came over HTTPS; the
    # proxy must overwrite it on every request. Empty: trust no header (no proxy).
    _proxy_header = env("VULNDESK_PROXY_SSL_HEADER", "X-Forwarded-Proto") or ""
    if _proxy_header:
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + _proxy_header.upper().replace("-", "_"),
            env("VULNDESK_PROXY_SSL_VALUE", "https") or "https",
        )
    SECURE_SSL_REDIRECT = env_bool("VULNDESK_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("VULNDESK_HSTS_SECONDS", "31536000") or 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("VULNDESK_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("VULNDESK_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "vulndesk.core.log.StderrHandler"}},
    "root": {"handlers": ["console"], "level": env("VULNDESK_LOG_LEVEL", "INFO") or "INFO"},
}

# REST API (vulndesk.api): requests a minute per token, and per client address without one.
VULNDESK_API_RATE_TOKEN = int(env("VULNDESK_API_RATE_TOKEN", "600") or "600")
VULNDESK_API_RATE_ANONYMOUS = int(env("VULNDESK_API_RATE_ANONYMOUS", "60") or "60")

# Webhooks (vulndesk.webhooks): seconds to wait for a receiver's answer.
VULNDESK_WEBHOOK_TIMEOUT = float(env("VULNDESK_WEBHOOK_TIMEOUT", "10") or "10")

# Mail in and out (vulndesk.mail; see docs/mail.md).
VULNDESK_MAIL_MAX_MESSAGE_BYTES = int(env("VULNDESK_MAIL_MAX_MESSAGE_BYTES", "26214400") or 0)
VULNDESK_MAIL_MAX_ATTACHMENT_BYTES = int(env("VULNDESK_MAIL_MAX_ATTACHMENT_BYTES", "10485760") or 0)
VULNDESK_MAIL_MAX_ATTACHMENTS = int(env("VULNDESK_MAIL_MAX_ATTACHMENTS", "20") or 0)
VULNDESK_MAIL_ACKNOWLEDGE = env_bool("VULNDESK_MAIL_ACKNOWLEDGE", default=True)
VULNDESK_MAIL_LEASE_SECONDS = int(env("VULNDESK_MAIL_LEASE_SECONDS", "120") or 0)
VULNDESK_MAIL_MAX_ATTEMPTS = int(env("VULNDESK_MAIL_MAX_ATTEMPTS", "12") or 0)
VULNDESK_MAIL_LISTEN = env("VULNDESK_MAIL_LISTEN", "127.0.0.1:8025") or "127.0.0.1:8025"
VULNDESK_GNUPG_HOME = env("VULNDESK_GNUPG_HOME", str(DATA_DIR / "gnupg")) or ""
VULNDESK_IMAP_HOST = env("VULNDESK_IMAP_HOST", "") or ""
VULNDESK_IMAP_PORT = int(env("VULNDESK_IMAP_PORT", "993") or 993)
VULNDESK_IMAP_SSL = env_bool("VULNDESK_IMAP_SSL", default=True)
VULNDESK_IMAP_USER = env("VULNDESK_IMAP_USER", "") or ""
VULNDESK_IMAP_PASSWORD = env("VULNDESK_IMAP_PASSWORD", "") or ""
VULNDESK_IMAP_MAILBOX = env("VULNDESK_IMAP_MAILBOX", "INBOX") or "INBOX"
VULNDESK_IMAP_DONE_FOLDER = env("VULNDESK_IMAP_DONE_FOLDER", "vulndesk-done") or "vulndesk-done"
VULNDESK_MAIL_RETRY_BASE_SECONDS = float(env("VULNDESK_MAIL_RETRY_BASE_SECONDS", "30") or 0)
