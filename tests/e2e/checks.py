"""What every page of a browser journey is checked for, in one place.

- Wording: no raw enum values ("business_employee", "team_member"), no "1 minutes"-style plurals,
  no "0 minutes ago", no repeated words or doubled prefixes ("No rate No rate:", "Held back:
  Blocked:").
- Accessibility: axe-core (axe-playwright-python) finds no serious or critical violation, and
  every status badge says its state in words (never colour alone).
- Phone width (390×844): the page does not overflow sideways (wide tables stack or scroll inside
  their own box), and a full-page screenshot lands in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SERIOUS = {"serious", "critical"}

# A code as stored: lower-case words joined by underscores ("business_employee", "bill_zero").
RAW_CODE = re.compile(r"(?<![\w@./-])[a-z]+(?:_[a-z]+)+(?![\w@./-])")
# "1 minutes", "1 businesses", "1 entries": a count of one with a plural noun.
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 ((?:time )?[a-z]{2,}(?:es|s))\b")
NOT_PLURALS = ("ss", "us", "is")
ZERO_AGO = re.compile(r"\b0 (?:seconds|minutes) ago\b")
# A word or two said twice in a row ("No rate No rate", "the the"), case-insensitively.
REPEATED = re.compile(r"\b([A-Za-z]+(?: [A-Za-z]+)?)[\s:]+\1\b", re.IGNORECASE)
# Two label prefixes in a row ("Held back: Blocked: ...").
DOUBLE_PREFIX = re.compile(r"\b[A-Z][a-z]+(?: [a-z]+)?: [A-Z][a-z]+(?: [a-z]+)?: ")


def wording_problems(text: str) -> list[str]:
    """What reads like a developer's draft in a page's visible text, one message per finding."""
    problems = []
    # innerText puts a tab between table cells and a newline between blocks: check each piece
    # alone, so two rows saying "Billed" one after the other are not a repeated word.
    for piece in re.split(r"[\t\n]+", text):
        piece = piece.strip()
        if not piece:
            continue
        for match in RAW_CODE.finditer(piece):
            problems.append(f"raw code {match.group(0)!r} in {piece!r}")
        for match in ONE_PLURAL.finditer(piece):
            if not match.group(1).endswith(NOT_PLURALS):
                problems.append(f"plural after 1: {match.group(0)!r} in {piece!r}")
        for match in ZERO_AGO.finditer(piece):
            problems.append(f"{match.group(0)!r} instead of 'just now' in {piece!r}")
        for match in REPEATED.finditer(piece):
            problems.append(f"repeated {match.group(1)!r} in {piece!r}")
        for match in DOUBLE_PREFIX.finditer(piece):
            problems.append(f"doubled prefix {match.group(0)!r} in {piece!r}")
    return problems


def serious_violations(axe_response: dict) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in axe_response.get("violations", [])
        if violation.get("impact") in SERIOUS
    ]


@dataclass
class PageChecks:
    """Runs the checks on the journey's current page; `assert_clean()` at the end lists them all."""

    page: object
    folder: Path
    journey: str
    problems: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob(f"phone-{self.journey}-*"):
            old.unlink()

    def check(self, name: str, page=None) -> None:
        found = len(self.problems)
        self._check(name, page or self.page)
        # Kept beside the screenshots too, so a failed journey still shows what was found.
        with (self.folder / f"phone-{self.journey}-problems.txt").open("a") as log:
            log.writelines(f"{problem}\n" for problem in self.problems[found:])

    def _check(self, name: str, page) -> None:
        size = page.viewport_size
        page.set_viewport_size(DESKTOP)
        text = page.inner_text("body")
        self.problems += [f"{name}: {problem}" for problem in wording_problems(text)]
        response = self.axe.run(page).response
        self.problems += [f"{name} (desktop): {v}" for v in serious_violations(response)]
        silent = page.eval_on_selector_all(
            ".badge, .status-badge",
            # A hidden badge (the run page's "FreshBooks says …" until totals differ) shows nothing.
            "els => els.filter(e => e.getClientRects().length && !e.innerText.trim()).length",
        )
        if silent:
            self.problems.append(f"{name}: {silent} status badge(s) with colour but no text")
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(50)  # table_scroll.js re-marks wide tables on resize
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            self.problems.append(f"{name}: the page is {overflow}px wider than a 390px phone")
        response = self.axe.run(page).response
        self.problems += [f"{name} (phone): {v}" for v in serious_violations(response)]
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"phone-{self.journey}-{len(self.screenshots) + 1:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        self.screenshots.append(path)
        if size:
            page.set_viewport_size(size)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


class _NoChecks:
    """For journeys that pass through pages another journey already checks."""

    def check(self, name: str, page=None) -> None:
        return None


NO_CHECKS = _NoChecks()
