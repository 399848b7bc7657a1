"""OAuth2 (reference §1): the consent page, the token endpoint and revocation.

``/oauth/authorize`` (GET shows the page, POST records the decision) follows Doorkeeper, which
FreshBooks' messages match: an unknown ``client_id`` or an unregistered ``redirect_uri`` is an error
page (never a redirect); a wrong ``response_type`` or an unknown scope redirects back with
``error=unsupported_response_type`` / ``error=invalid_scope``; refusing redirects with
``error=access_denied``. ``state`` always comes back. With no login in the sandbox, the page asks
which FreshBooks user is consenting.

Also served at FreshBooks' ``/service/auth/oauth/...`` aliases (reference §1.1).
"""

from __future__ import annotations

import base64
import binascii
import html
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from sandbox.api.common import form_or_json, runtime
from sandbox.config import RegisteredApp
from sandbox.store import identities, oauth
from sandbox.store.oauth import OAuthError

blueprint = Blueprint("oauth", __name__)

DOCUMENTED_OBJECTS = (
    "bill_payments",
    "bill_vendors",
    "billable_items",
    "bills",
    "business",
    "clients",
    "credit_notes",
    "estimates",
    "expenses",
    "invoices",
    "journal_entries",
    "notifications",
    "online_payments",
    "other_income",
    "payments",
    "profile",
    "projects",
    "reports",
    "retainers",
    "taxes",
    "teams",
    "time_entries",
)
READ_ONLY_OBJECTS = ("profile", "notifications", "reports")
KNOWN_SCOPES = frozenset(
    {f"user:{name}:read" for name in DOCUMENTED_OBJECTS}
    | {f"user:{name}:write" for name in DOCUMENTED_OBJECTS if name not in READ_ONLY_OBJECTS}
)
DEFAULT_SCOPE = " ".join(
    (
        "user:profile:read",
        "user:clients:read",
        "user:clients:write",
        "user:invoices:read",
        "user:invoices:write",
        "user:projects:read",
        "user:projects:write",
        "user:billable_items:read",
        "user:billable_items:write",
        "user:time_entries:read",
        "user:time_entries:write",
        "user:teams:read",
        "user:expenses:read",
        "user:expenses:write",
        "user:taxes:read",
        "user:taxes:write",
    )
)
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, or "
    "unsupported authentication method."
)
INVALID_REDIRECT = "The requested redirect uri is malformed or doesn't match client redirect URI."
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."
ACCESS_DENIED = "The resource owner or authorization server denied the request."


def normalise_scope(scope: str | None) -> str | None:
    """The scope to grant, or None when it names a scope FreshBooks does not know."""
    if scope is None or not scope.strip():
        return DEFAULT_SCOPE
    requested = scope.replace("+", " ").split()
    if any(name not in KNOWN_SCOPES for name in requested):
        return None
    return " ".join(dict.fromkeys(requested))


def _with_query(uri: str, parameters: dict[str, str]) -> str:
    present = {key: value for key, value in parameters.items() if value is not None}
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(present)}"


def _error_page(title: str, description: str, status: int = 400) -> Response:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>FreshBooks sandbox</title></head>"
        f"<body><h1>An error has occurred</h1><p><strong>{html.escape(title)}</strong></p>"
        f"<p>{html.escape(description)}</p></body></html>"
    )
    return Response(body, status=status, mimetype="text/html")


@blueprint.route("/oauth/authorize", methods=["GET", "POST"])
@blueprint.route("/oauth/authorize/", methods=["GET", "POST"])
@blueprint.route("/service/auth/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    values = request.values
    sandbox = runtime()
    app = sandbox.config.app(values.get("client_id", ""))
    if app is None:
        return _error_page("invalid_client", INVALID_CLIENT, 401)
    redirect_uri = values.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return _error_page("invalid_redirect_uri", INVALID_REDIRECT)
    state = values.get("state")
    if values.get("response_type") != "code":
        return redirect(
            _with_query(
                redirect_uri,
                {
                    "error": "unsupported_response_type",
                    "error_description": "The authorization server does not support this "
                    "response type.",
                    "state": state,
                },
            )
        )
    scope = normalise_scope(values.get("scope"))
    if scope is None:
        return redirect(
            _with_query(
                redirect_uri,
                {"error": "invalid_scope", "error_description": INVALID_SCOPE, "state": state},
            )
        )
    if request.method == "GET":
        return _consent_page(app, redirect_uri, scope, state)
    if request.form.get("decision") != "allow":
        return redirect(
            _with_query(
                redirect_uri,
                {"error": "access_denied", "error_description": ACCESS_DENIED, "state": state},
            )
        )
    with sandbox.db.transaction() as transaction:
        person = identities.identity_by_email(transaction, request.form.get("email", ""))
        if person is None:
            return _consent_page(app, redirect_uri, scope, state, problem="Choose a user.")
        code = oauth.create_code(
            transaction,
            client_id=app.client_id,
            identity_id=person["identity_id"],
            redirect_uri=redirect_uri,
            scope=scope,
            ttl=sandbox.config.code_ttl,
        )
    return redirect(_with_query(redirect_uri, {"code": code, "state": state}))


def _consent_page(
    app: RegisteredApp, redirect_uri: str, scope: str, state: str | None, problem: str = ""
) -> Response:
    with runtime().db.reading() as reader:
        people = identities.all_identities(reader)
    options = "".join(
        f"<option value='{html.escape(person['email'])}'>"
        f"{html.escape(person['first_name'])} {html.escape(person['last_name'])} "
        f"({html.escape(person['email'])})</option>"
        for person in people
    )
    hidden = "".join(
        f"<input type='hidden' name='{name}' value='{html.escape(value)}'>"
        for name, value in (
            ("client_id", app.client_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", scope),
            ("state", state or ""),
        )
    )
    scopes = "".join(f"<li>{html.escape(name)}</li>" for name in scope.split())
    body = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>FreshBooks sandbox: authorize</title></head>
<body>
<h1>Authorize {html.escape(app.client_id)}</h1>
<p>This FreshBooks sandbox has no passwords: choose who you are.</p>
<p class="problem">{html.escape(problem)}</p>
<form method="post" action="/oauth/authorize">
{hidden}
<label for="email">FreshBooks user</label>
<select id="email" name="email">{options}</select>
<p>The application asks for:</p><ul>{scopes}</ul>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
</body></html>"""
    return Response(body, mimetype="text/html")


def _client_credentials(body: dict) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return str(body.get("client_id") or ""), str(body.get("client_secret") or "")


def _authenticated_app(body: dict) -> RegisteredApp:
    client_id, secret = _client_credentials(body)
    app = runtime().config.app(client_id)
    if app is None or not secret or secret != app.client_secret:
        raise OAuthError(401, "invalid_client", INVALID_CLIENT)
    return app


def _required(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise OAuthError(400, "invalid_request", f"Missing required parameter: {name}.")
    return value


def _oauth_response(document: dict, status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@blueprint.post("/auth/oauth/token")
@blueprint.post("/service/auth/oauth/token")
def token() -> Response:
    body = form_or_json()
    sandbox = runtime()
    try:
        grant_type = _required(body, "grant_type")
        app = _authenticated_app(body)
        with sandbox.db.transaction() as transaction:
            if grant_type == "authorization_code":
                code = _required(body, "code")
                redirect_uri = _required(body, "redirect_uri")
                document = oauth.exchange_code(
                    transaction,
                    code=code,
                    client_id=app.client_id,
                    redirect_uri=redirect_uri,
                    token_ttl=sandbox.config.token_ttl,
                )
            elif grant_type == "refresh_token":
                document = oauth.refresh(
                    transaction,
                    refresh_token=_required(body, "refresh_token"),
                    client_id=app.client_id,
                    token_ttl=sandbox.config.token_ttl,
                )
            else:
                raise OAuthError(
                    400,
                    "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server.",
                )
    except OAuthError as error:
        return _oauth_response(error.body(), error.status)
    return _oauth_response(document)


@blueprint.post("/auth/oauth/revoke")
@blueprint.post("/service/auth/oauth/revoke")
def revoke() -> Response:
    body = form_or_json()
    try:
        app = _authenticated_app(body)
        token_value = _required(body, "token")
        with runtime().db.transaction() as transaction:
            oauth.revoke(transaction, token=token_value, client_id=app.client_id)
    except OAuthError as error:
        return _oauth_response(error.body(), error.status)
    return _oauth_response({})
