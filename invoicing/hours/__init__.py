"""Billable hours from outside FreshBooks: the REST API, CSV imports and manual entry.

Design: outside hours are rows of the time-entry mirror (`TimeEntry`) with a `source` (api, csv
with the tool's name, manual) and the caller's `external_id`, unique per business, source and
external id, rather than a table of their own. Why: every reader of unbilled time (the business
page, the entries list, the planner, previews, re-bill) and every writer of billed flags (draft
reservations, marking billed, void) already works on that table, keyed by an integer entry id;
one table keeps them all on the same exactly-once path without a second branch in each. An outside
entry's `freshbooks_id` is minus its primary key: negative ids never clash with FreshBooks' own,
stay unique across local connections of one FreshBooks business (the open-draft constraint on
`DraftEntry`), and tell `drafts.remote` to mark the entry billed locally instead of calling
FreshBooks. A full sync only deactivates FreshBooks-sourced entries it did not list.

Concurrency: a push locks the business row (the lock planning takes too), so a push and a draft
plan take turns, and two pushes of one external id make one row (the unique constraint is the
backstop). An entry that is billed or reserved by an open draft cannot be changed or deleted.
"""
