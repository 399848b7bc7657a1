"""CSV import on the business page: upload → preview with mapping → confirm → summary."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoicing.hours import imports
from invoicing.models import HoursImport, TimeEntry
from tests.factories import ConnectedBusinessFactory, ServiceFactory, TeamMemberFactory
from tests.invoicing.hours.samples import (
    CLOCKIFY_HEADER,
    HARVEST_HEADER,
    TOGGL_HEADER,
    clockify_row,
    csv_bytes,
    harvest_row,
    toggl_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(business):
    ServiceFactory(business=business, freshbooks_id=5, name="Design")
    TeamMemberFactory(business=business, identity_id=900, name="Ana Lima", email="ana@studio.test")
    return business


def upload(client, business, content: bytes, name="report.csv"):
    return client.post(
        reverse("invoicing:hours_import_new", kwargs={"business_pk": business.pk}),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def detail_url(business, hours_import):
    return reverse(
        "invoicing:hours_import", kwargs={"business_pk": business.pk, "import_pk": hours_import.pk}
    )


def confirm(client, business, hours_import):
    return client.post(
        reverse(
            "invoicing:hours_import_confirm",
            kwargs={"business_pk": business.pk, "import_pk": hours_import.pk},
        ),
        follow=True,
    )


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (TOGGL_HEADER, toggl_row()),
        (HARVEST_HEADER, harvest_row()),
        (CLOCKIFY_HEADER, clockify_row()),
    ],
)
def test_upload_preview_confirm_and_summary_for_each_tool(owner_client, catalog, header, row):
    business = catalog
    response = upload(owner_client, business, csv_bytes(header, [row, row]))

    hours_import = HoursImport.objects.get()
    assert response.status_code == 302
    preview = owner_client.get(detail_url(business, hours_import)).content.decode()
    assert "2</strong> new entries" in preview
    assert "Acme Corp" in preview and "Website" in preview and "Design" in preview
    assert "Ana Lima" in preview
    assert not TimeEntry.objects.filter(source="csv").exists()  # nothing before confirming

    done = confirm(owner_client, business, hours_import).content.decode()

    assert "2</strong> new entries added" in done
    entries = TimeEntry.objects.filter(business=business, source="csv")
    assert entries.count() == 2
    assert {
        (e.client_freshbooks_id, e.project_freshbooks_id, e.service_freshbooks_id, e.identity_id)
        for e in entries
    } == {(10, 70, 5, 900)}


def test_importing_the_same_file_twice_adds_nothing(owner_client, catalog):
    content = csv_bytes(TOGGL_HEADER, [toggl_row(), toggl_row(note="Other")])
    upload(owner_client, catalog, content)
    confirm(owner_client, catalog, HoursImport.objects.get())

    upload(owner_client, catalog, content)
    second = HoursImport.objects.order_by("-pk").first()
    preview = owner_client.get(detail_url(catalog, second)).content.decode()
    done = confirm(owner_client, catalog, second).content.decode()

    assert "2</strong> already imported" in preview
    assert "0</strong> new entries added" in done
    assert TimeEntry.objects.filter(source="csv").count() == 2


def test_an_unknown_name_is_mapped_once_for_all_rows(owner_client, catalog):
    content = csv_bytes(
        TOGGL_HEADER,
        [
            toggl_row(client="ACME Inc."),
            toggl_row(client="ACME Inc.", note="b"),
            toggl_row(client="ACME Inc.", note="c"),
        ],
    )
    upload(owner_client, catalog, content)
    hours_import = HoursImport.objects.get()
    preview = owner_client.get(detail_url(catalog, hours_import)).content.decode()
    assert "Client “ACME Inc.” is not in FreshBooks" in preview
    assert "3</strong> rows cannot be imported" in preview

    owner_client.post(
        reverse(
            "invoicing:hours_import_map",
            kwargs={"business_pk": catalog.pk, "import_pk": hours_import.pk},
        ),
        {"kind": "client", "name": "ACME Inc.", "target": "10"},
    )
    preview = owner_client.get(detail_url(catalog, hours_import)).content.decode()

    assert "3</strong> new entries" in preview
    confirm(owner_client, catalog, hours_import)
    assert TimeEntry.objects.filter(source="csv", client_freshbooks_id=10).count() == 3


def test_a_malformed_file_gives_a_per_row_report_and_imports_only_on_confirm(owner_client, catalog):
    content = csv_bytes(
        TOGGL_HEADER,
        [
            toggl_row(),
            toggl_row(duration="25:00:00"),
            toggl_row(day="2999-01-01"),
            toggl_row(duration="soon"),
        ],
    )
    upload(owner_client, catalog, content)
    hours_import = HoursImport.objects.get()

    preview = owner_client.get(detail_url(catalog, hours_import)).content.decode()

    assert "at most 24 hours" in preview and "in the future" in preview
    assert "is not a duration" in preview
    assert not TimeEntry.objects.filter(source="csv").exists()
    done = confirm(owner_client, catalog, hours_import).content.decode()
    assert "1</strong> new entry added" in done
    assert "3</strong> rows left out" in done


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("photo.png", b"\x89PNG\x00\x00", "Upload a .csv file"),
        ("report.csv", b"\x89PNG\r\n\x00\x00", "not a CSV file"),
        ("report.csv", b"a,b\n1,2\n", "not a detailed time report we know"),
    ],
)
def test_what_is_not_a_time_report_is_refused_with_why(owner_client, catalog, name, content, words):
    response = upload(owner_client, catalog, content, name=name)

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not HoursImport.objects.exists()


def test_a_file_over_the_limit_is_refused_naming_the_limit(owner_client, catalog, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 100)
    monkeypatch.setattr("invoicing.views.imports.MAX_UPLOAD_BYTES", 100)

    response = upload(owner_client, catalog, csv_bytes(TOGGL_HEADER, [toggl_row()] * 5))

    assert response.status_code == 400
    assert "over the 10 MB limit" in response.content.decode()


def test_the_template_downloads_and_imports(owner_client, catalog):
    template = owner_client.get(
        reverse("invoicing:hours_import_template", kwargs={"business_pk": catalog.pk})
    )
    assert template["Content-Disposition"].startswith("attachment")
    header = template.content.decode().splitlines()[0].split(",")

    upload(
        owner_client,
        catalog,
        csv_bytes(
            header,
            [
                [
                    "t-1",
                    "2024-05-06",
                    "09:00",
                    "1:30",
                    "Acme Corp",
                    "Website",
                    "Design",
                    "ana@studio.test",
                    "x",
                    "yes",
                ]
            ],
        ),
    )
    confirm(owner_client, catalog, HoursImport.objects.get())

    assert TimeEntry.objects.get(source="csv").external_id == "t-1"


def test_another_users_import_is_404(owner_client, catalog):
    other = ConnectedBusinessFactory()
    hours_import = HoursImport.objects.create(
        business=other, filename="x.csv", tool="toggl", content=b"", sha256=""
    )

    assert owner_client.get(detail_url(other, hours_import)).status_code == 404
    assert owner_client.get(detail_url(catalog, hours_import)).status_code == 404
