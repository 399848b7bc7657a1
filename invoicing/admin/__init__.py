"""Operators' console for the invoicing app; each module registers its own model admins."""

from invoicing.admin import businesses, expenses, imports, issues, mirror, policies, runs, sync_runs

__all__ = ["businesses", "expenses", "imports", "issues", "mirror", "policies", "runs", "sync_runs"]
