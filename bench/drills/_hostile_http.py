"""The hostile-input drill's HTTP side: a browser-like session, the forms of a page, the app's URL
patterns, and the tally of every answer (a private module: not a drill)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import requests

NOT_FOUND_OR_NOT_ALLOWED = (404, 405)
TIMEOUT = 30


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type (select, date...)
    options: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                Form(attributes.get("method", "get").lower(), attributes.get("action", ""))
            )
            return
        if not self.forms or not attributes.get("name"):
            if tag == "option" and self.forms and self._select:
                self.forms[-1].options[self._select].append(attributes.get("value", ""))
            return
        form, name = self.forms[-1], attributes["name"]
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                form.kinds.setdefault(name, kind)
                form.options.setdefault(name, []).append(attributes.get("value", "on"))
                return
            form.fields[name] = attributes.get("value", "")
            form.kinds[name] = kind
        elif tag in ("textarea", "select"):
            form.fields.setdefault(name, "")
            form.kinds[name] = tag
            if tag == "select":
                self._select = name
                form.options.setdefault(name, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def page_forms(html: str, page_url: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urljoin(page_url, form.action or page_url)
    return parser.forms


@dataclass
class Tally:
    """Every answer the drill got: status counts, the 500s and the unexpected ones by label."""

    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    no_answer: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def record(self, label: str, status: int, *, expected: tuple[int, ...] = ()) -> int:
        self.statuses[status] += 1
        if status >= 500:
            self.server_errors.append(f"{status} {label}")
        elif expected and status not in expected:
            self.unexpected.append(f"{status} {label} (expected {expected})")
        return status


class Browser:
    """A requests session as a signed-in person's browser: cookies, CSRF token on every POST."""

    def __init__(self, base_url: str, tally: Tally, session: requests.Session | None = None):
        self.base_url = base_url
        self.tally = tally
        self.session = session or requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def csrf(self) -> str:
        token = self.session.cookies.get("csrftoken")
        if not token:
            self.session.get(self.url("/dashboard/"), timeout=TIMEOUT)
            token = self.session.cookies.get("csrftoken") or ""
        return token

    def request(
        self,
        method: str,
        path: str,
        *,
        label: str = "",
        expected: tuple[int, ...] = (),
        csrf: bool = True,
        **kwargs: Any,
    ) -> requests.Response | None:
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        if method == "POST" and csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf())
            kwargs["headers"] = headers
            data = kwargs.get("data")
            if isinstance(data, dict):
                kwargs["data"] = {"csrfmiddlewaretoken": self.csrf(), **data}
        what = label or f"{method} {path[:120]}"
        try:
            response = self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException as error:
            self.tally.no_answer.append(f"{what}: {type(error).__name__}")
            return None
        self.tally.record(what, response.status_code, expected=expected)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response | None:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response | None:
        return self.request("POST", path, **kwargs)


# -- the app's URL patterns ----------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")


def url_patterns() -> list[tuple[str, str]]:
    """Every route of the app as (name, "/businesses/<int:business_pk>/..."), admin's and
    allauth's included."""
    from django.urls import URLPattern, URLResolver, get_resolver

    routes: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                routes.append((f"{namespace}{entry.name or '?'}", "/" + route.lstrip("^")))

    walk(get_resolver().url_patterns, "", "")
    return routes


def route_parameters(route: str) -> list[tuple[str, str]]:
    """The (converter, name) pairs of a route; regex routes (admin's) yield none."""
    return [(m["converter"] or "str", m["name"]) for m in PARAMETER.finditer(route)]


def route_fill(route: str, values: dict[str, Any]) -> str | None:
    """The route with each parameter replaced from ``values``; None if one is missing or the
    route is a regular expression."""
    if any(character in route for character in "^$(?"):
        return None
    missing = [name for _, name in route_parameters(route) if name not in values]
    if missing:
        return None
    return PARAMETER.sub(lambda m: str(values[m["name"]]), route)
