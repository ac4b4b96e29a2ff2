// Small DOM helpers shared by the pages. Text always goes in as textContent, never as HTML.

export const $ = (selector, root = document) => root.querySelector(selector);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function showPage(id) {
  for (const page of document.querySelectorAll("[data-page]")) page.hidden = page.id !== id;
  window.scrollTo(0, 0);
}

export function banner(message, { success = false, link = null } = {}) {
  const box = $("#banner");
  box.hidden = !message;
  box.classList.toggle("govuk-notification-banner--success", success);
  box.setAttribute("role", success ? "alert" : "region");
  $("#banner-title").textContent = success ? "Success" : "Important";
  $("#banner-text").replaceChildren(
    message || "",
    link
      ? el("a", { class: "govuk-notification-banner__link", href: link.href }, ` ${link.text}`)
      : "",
  );
}

// An address on one line, blank lines dropped, the postcode last (core/addresses.py's twin).
export function oneLineAddress({ address_lines: lines = [], postcode = "" }) {
  return [...lines, postcode].filter((line) => line && line.trim()).join(", ");
}

export function formatDate(isoDate) {
  return new Date(`${isoDate}T12:00:00`).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
  });
}

export function formatTime(iso) {
  return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

export function formatDateTime(iso) {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

// Show errors on fields (by id) and in the summary, GOV.UK style; [] clears them.
export function showErrors(summary, list, errors) {
  for (const group of document.querySelectorAll(".govuk-form-group--error")) {
    group.classList.remove("govuk-form-group--error");
  }
  for (const message of document.querySelectorAll("#page-record .govuk-error-message")) {
    message.hidden = true;
  }
  list.replaceChildren(
    ...errors.map(({ field, text }) => el("li", {}, el("a", { href: `#${field}` }, text))),
  );
  summary.hidden = errors.length === 0;
  for (const { field, text } of errors) {
    const input = document.getElementById(field);
    const group = input?.closest(".govuk-form-group");
    const message = group?.querySelector(".govuk-error-message");
    group?.classList.add("govuk-form-group--error");
    if (message) {
      message.hidden = false;
      message.replaceChildren(el("span", { class: "govuk-visually-hidden" }, "Error: "), text);
    }
  }
  if (errors.length) summary.focus();
}
