"""The fixed names seeded objects draw from, apart so the builders read as rules, not lists."""

from __future__ import annotations

FIRST_NAMES = (
    "Alice",
    "Bob",
    "Carol",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
)
LAST_NAMES = ("Martin", "Tremblay", "Nguyen", "Okafor", "Schmidt", "Haddad", "Kowalski", "Silva")
BUSINESS_NAMES = (
    "Northwind Design Co.",
    "Maple Leaf Consulting",
    "Harbor Analytics",
    "Blue Fern Studio",
    "Granite Peak Engineering",
)
TIMEZONES = ("America/New_York", "America/Toronto", "America/Vancouver", "Europe/London")
ORGANIZATIONS = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Foundation",
    "Hooli",
    "Vandelay Imports",
    "Soylent Foods",
    "Tyrell Systems",
    "Cyberdyne",
    "Wonka Confections",
)
SERVICE_NAMES = (
    "Design",
    "Development",
    "Consulting",
    "Project Management",
    "Research",
    "Copywriting",
    "Quality Assurance",
    "Training",
    "Internal Admin",
)
NOTES = (
    "Kick-off meeting",
    "Wireframes",
    "Code review",
    "Client call",
    "Bug fixes",
    "Report writing",
    "Deployment",
    "Research spike",
    "",
)
PROJECT_KINDS = ("Website", "Audit", "Rebrand", "Platform", "Mobile app")
NON_OWNER_ROLES = (
    "business_employee",
    "business_manager",
    "business_accountant",
    "business_partner",
)
