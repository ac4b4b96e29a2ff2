"""At 360 px each role lands on its own home, and every list reads as cards: each row a card,
every field visible under its column's name, nothing scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

# (who signs in, where they land, the lists they work from)
ROLES = [
    ("school@demo.test", "/", ["/", "/pupils"]),
    ("laao@demo.test", "/la/referrals", ["/la/referrals", "/la/overview"]),
    ("officer@demo.test", "/visits/", ["/visits/"]),
    (
        "admin@demo.test",
        "/admin/",
        ["/admin/users", "/admin/schools", "/admin/calendar", "/admin/audit"],
    ),
]

# Each labelled cell of the first card: its label drawn before it, and the cell on screen.
FIRST_CARD = """() => {
  const row = document.querySelector("table.fv-cards tbody tr");
  if (!row) return null;
  const box = row.getBoundingClientRect();
  return [...row.querySelectorAll("[data-label]")].map(cell => {
    const r = cell.getBoundingClientRect();
    return {
      label: cell.dataset.label,
      drawn: getComputedStyle(cell, "::before").content,
      visible: r.width > 0 && r.height > 0 && r.right <= window.innerWidth + 1,
      inCard: r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
    };
  });
}"""


@pytest.mark.parametrize("email, home, lists", ROLES, ids=[r[0].split("@")[0] for r in ROLES])
def test_each_role_lands_home_and_its_lists_are_cards_at_360_px(
    browser: Browser, base_url: str, sign_in, axe_check, email: str, home: str, lists: list[str]
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, email)
    assert page.url == base_url.rstrip("/") + home
    for path in lists:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        expect(page.locator("table.fv-cards").first).to_be_visible()
        expect(page.locator("table.fv-cards thead").first).to_have_css("position", "absolute")
        cells = page.evaluate(FIRST_CARD)
        assert cells, f"{path}: no rows to show as cards"
        for cell in cells:
            assert cell["drawn"] == f'"{cell["label"]}"', (path, cell)
            assert cell["visible"] and cell["inCard"], (path, cell)
        axe_check(page)
    if email.startswith("admin"):
        # The audit log searched by person and date range, and the search kept on the page.
        page.goto("/admin/audit")
        page.get_by_label("Person").fill("laao")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_text("match the filters")).to_be_visible()
        expect(page.get_by_label("Person")).to_have_value("laao")
        expect(page.get_by_role("link", name="Download these as CSV")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe_check(page)
        # A term is changed on its own page and removed only after "Are you sure".
        page.goto("/admin/calendar")
        page.get_by_role("link", name="Change").first.click()
        expect(page.get_by_role("button", name="Save the term")).to_be_visible()
        axe_check(page)
        page.get_by_role("link", name="Remove this term").click()
        expect(page.get_by_role("button", name="Yes, remove the term")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe_check(page)
        page.get_by_role("link", name="No, keep it").click()
        expect(page.get_by_role("heading", name="Term dates and INSET days")).to_be_visible()
    context.close()


# The layout shifts the page has made so far (Chromium's Layout Instability API).
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(total), 500);
})"""


def test_the_menu_is_folded_from_the_start_on_a_phone(
    browser: Browser, base_url: str, sign_in
) -> None:
    """GOV.UK Frontend folds the service navigation once its script runs; drawn folded from
    the start, the page does not move when it does, and the menu still opens."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "school@demo.test")
    for path in ("/", "/pupils"):
        page.goto(path)
        assert page.evaluate(LAYOUT_SHIFT) < 0.01, path
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="Pupils")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("link", name="Pupils")).to_be_visible()
    context.close()
