"""The REST API under /api/v1/: businesses, and hours from outside FreshBooks.

Decision: django-ninja rather than DRF + drf-spectacular. The API is a handful of endpoints over
services that already exist; ninja's pydantic schemas validate input and *are* the OpenAPI schema,
so the served schema cannot drift from what the code accepts (drf-spectacular infers it from
serializers and needs annotations to keep up), it fits the project's plain function views, and it
brings one dependency (pydantic) instead of two frameworks. Authentication is a personal bearer
token (`accounts.tokens`); no session cookie is read, so no CSRF applies.
"""
