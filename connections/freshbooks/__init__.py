"""FreshBooks API client: HTTP, OAuth, parsing and a shared rate gate. No Django imports."""

from .client import FreshBooksClient
from .envelopes import PER_PAGE, Page
from .errors import (
    AuthenticationError,
    FreshBooksError,
    InvalidGrant,
    MalformedResponse,
    NotFound,
    OAuthError,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
    ValidationError,
    error_from_response,
)
from .oauth import OAuthClient, TokenSet
from .parsing import (
    parse_accounting_datetime,
    parse_date,
    parse_decimal,
    parse_money,
    parse_utc_datetime,
)
from .rate_limit import RedisRateGate
from .transport import TokenSource

__all__ = [
    "PER_PAGE",
    "AuthenticationError",
    "FreshBooksClient",
    "FreshBooksError",
    "InvalidGrant",
    "MalformedResponse",
    "NotFound",
    "OAuthClient",
    "OAuthError",
    "Page",
    "PermissionDenied",
    "RateLimited",
    "RedisRateGate",
    "ServerError",
    "TokenSet",
    "TokenSource",
    "TransportError",
    "ValidationError",
    "error_from_response",
    "parse_accounting_datetime",
    "parse_date",
    "parse_decimal",
    "parse_money",
    "parse_utc_datetime",
]
