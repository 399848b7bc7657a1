"""Seeded data sets: the ``make run`` demo and any size a test or benchmark asks for.

With ``businesses >= 2`` the last business is client-only: the first user is a client of the last
full business and has a ``client`` membership on a business without an account.

Every full business gets:
- an owner (users take turns) and the other users as staff (employee, manager, accountant, admin);
- ``team_members`` extra staff (employees and contractors) and a billable rate for all staff;
- ``services`` services (the last is non-billable when there are four or more; every billable one
  has a business rate, the second with three decimals, e.g. ``"100.125"``);
- its share of ``clients``, in the given currencies;
- ``projects_per_client`` projects per client taking turns at project rate (``"125.00"``), service
  rate and team member rate, project service rates on some ``service_rate`` projects, one
  fixed-price project (``"5000.00"``) and one internal project;
- its share of ``time_entries`` over ``months`` months: mostly project work, some without a
  client (half of it billable, half on the internal project), some without a service (never on a
  project billed by service), some not billable, ``billed_fraction`` of the billable ones billed;
  plus two running timers;
- with three clients or more, two held back on purpose (``work``): the last has no rate (a
  project billed at a project rate that has none, and time without a project) and the one before
  has a project billed at the business standard rate, which the API does not give.

So with the default sizes most clients' time is priced and bills on the first try, and every
reason for not billing shows at least once.

The same ``seed`` gives the same data. Seeding raises no webhook events.

Modules: ``sizes`` (what a caller may ask for), ``tables`` (the names objects draw from), ``people``
and ``work`` (the builders: who, then what they bill), ``run`` (one pass's state) and ``build``
(``seed`` and the summary it returns).
"""
