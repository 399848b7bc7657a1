"""Content-Security-Policy, Permissions-Policy and no-store on signed-in pages."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.plugins.processes import REPO_ROOT

pytestmark = pytest.mark.django_db

TEMPLATES = REPO_ROOT / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def test_a_signed_in_page_has_the_policy_permissions_and_no_store(signed_in, settings):
    settings.FRESHBOOKS_AUTH_BASE_URL = "https://auth.freshbooks.com"

    response = signed_in.get(reverse("dashboard"))

    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'"]
    assert csp["font-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # "Connect FreshBooks" POSTs here and is redirected to FreshBooks' authorize page.
    assert csp["form-action"] == ["'self'", "https://auth.freshbooks.com"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "style-src-attr" not in csp
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_form_action_follows_the_configured_freshbooks_authorize_origin(signed_in, settings):
    settings.FRESHBOOKS_AUTH_BASE_URL = "http://127.0.0.1:8765"

    response = signed_in.get(reverse("dashboard"))

    assert policy(response)["form-action"] == ["'self'", "http://127.0.0.1:8765"]


def test_an_anonymous_page_has_the_policy_but_may_be_cached(client):
    response = client.get(reverse("account_reset_password"))

    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "Cache-Control" not in response


def test_signing_out_is_not_cached_either(signed_in):
    response = signed_in.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_the_webhook_endpoint_and_health_check_answer_as_before(client):
    webhook = client.post(
        "/webhooks/freshbooks/unknown/",
        data=b"name=time_entry.create&object_id=1",
        content_type="application/x-www-form-urlencoded",
    )
    health = client.get("/healthz")

    assert webhook.status_code == 404
    assert webhook.content == b"unknown webhook"
    assert "Cache-Control" not in webhook
    assert health.status_code == 200
    assert health.json()["status"] == "ok"


def test_static_files_are_not_marked_no_store_for_signed_in_users(signed_in):
    response = signed_in.get("/static/css/app.css")

    assert "no-store" not in response.get("Cache-Control", "")


def test_admin_pages_allow_nothing_inline(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    csp = policy(response)
    # Badges are class="status-badge" data-tone="...", coloured by admin_extra.css.
    assert "style-src-attr" not in csp
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert 'href="/static/css/admin_extra.css"' in response.content.decode()


# --- Templates run no inline code --------------------------------------------------------------

_TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def inline_code(source: str) -> list[str]:
    """What a CSP without 'unsafe-inline' would block in a template's source."""
    problems = [f"inline <script>: {m.group(0)}" for m in _INLINE_SCRIPT.finditer(source)]
    if re.search(r"<style\b", source, re.IGNORECASE):
        problems.append("<style> element")
    for tag in _TAG.findall(source):
        if _HANDLER.search(tag):
            problems.append(f"event handler attribute: {tag}")
        if _STYLE_ATTRIBUTE.search(tag):
            problems.append(f"style attribute: {tag}")
        if "javascript:" in tag.lower():
            problems.append(f"javascript: URL: {tag}")
    return problems


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">\nx()\n</script>',
        '<button type="button" onclick="go()">Go</button>',
        '<body\n  onload="init()">',
        '<p style="color:red">x</p>',
        "<style>p { color: red }</style>",
        '<a href="javascript:void(0)">x</a>',
    ],
)
def test_the_template_scan_finds_inline_code(bad):
    assert inline_code(bad)


def test_the_template_scan_accepts_external_scripts_and_plain_markup():
    good = (
        "<script src=\"{% static 'js/auto_refresh.js' %}\" defer></script>"
        '<form method="post" action="/x/" class="inline-form"><button>Go</button></form>'
        '<section aria-labelledby="a" data-connection="1"></section>'
    )

    assert inline_code(good) == []


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_has_inline_script_handlers_or_styles(template: Path):
    assert inline_code(template.read_text()) == []
