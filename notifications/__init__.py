"""Emails that tell a user about a problem or a run before they open the page.

A row per notification, unique per (user, kind, event), is the outbox: whoever notices an event
queues it (inside their transaction), a task sends it after commit, and a second notice of the same
event (two beat processes, a retried task) finds the row and sends nothing.
"""
