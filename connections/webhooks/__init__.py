"""Webhook plumbing other apps plug into: the noun → handler registry."""
