// The phone app's pages: visits, recording (record.js), outbox and sign-out; and start-up.

import * as api from "./api.js";
import * as db from "./db.js";
import * as outbox from "./outbox.js";
import { renderOutbox, renderSignOut, tag } from "./outbox-view.js";
import { initRecordForm, openRecordForm } from "./record.js";
import { onSyncEvent, requestBackgroundSync, syncOutbox } from "./sync.js";
import { $, banner, el, formatDate, formatDateTime, showPage } from "./ui.js";

const SIGN_IN = { href: "/login?next=/app/", text: "Sign in again" };
const SIGN_OUT_PENDING = "fieldvisit.signOutPending";
let retryTimer = null;

async function route() {
  const [page, arg = ""] = location.hash.slice(1).split("/").map(decodeURIComponent);
  await updateStatus();
  if (!(await db.getMeta("user"))) return showSignIn();
  const assignments = await db.allAssignments();
  if (page === "record" || page === "letter") {
    const assignment = assignments.find((a) =>
      page === "record" ? a.assignment_id === Number(arg) : a.letters.some((l) => l.reference === arg));
    if (assignment) {
      await openRecordForm(assignment, { letterReference: page === "letter" ? arg : "" });
      return showPage("page-record");
    }
    banner(page === "letter" ? `No visit on this phone has letter ${arg}: refresh your visits.` : "That visit is no longer on this phone.");
  } else if (page === "fix") {
    const record = await outbox.get(arg);
    if (record && outbox.editable(record)) {
      const assignment = assignments.find((a) => a.assignment_id === record.assignment_id) ?? {
        assignment_id: record.assignment_id, case_id: record.payload.case_id, pupil_name: record.pupil_name,
        case_reference: record.case_reference, address_lines: [], postcode: "", contacts: [], letters: [], instructions: "",
      };
      await openRecordForm(assignment, { record });
      return showPage("page-record");
    }
  } else if (page === "outbox" || page === "signout") {
    await (page === "outbox" ? renderOutbox({ onResend: () => sync(true), onGiveUp: route }) : renderSignOut());
    return showPage(`page-${page}`);
  }
  await renderVisits(assignments);
  showPage("page-visits");
}

function showSignIn() {
  $("#signin-offline").hidden = navigator.onLine;
  $("#signin-link").hidden = !navigator.onLine;
  showPage("page-signin");
}

async function renderVisits(assignments) {
  const records = await outbox.all();
  const downloadedAt = await db.getMeta("downloadedAt");
  const kept = await db.getMeta("persisted");
  $("#visits-updated").textContent = downloadedAt
    ? `Downloaded ${formatDateTime(downloadedAt)}.${kept === false ? " This browser may delete stored visits if the phone runs short of space: sync often." : ""}`
    : "";
  $("#visits-empty").hidden = assignments.length > 0;
  $("#visit-list").replaceChildren(...assignments.map((a) => {
    const recorded = records.filter((r) => r.assignment_id === a.assignment_id);
    return el("li", { class: "fv-card" },
      el("h2", { class: "govuk-heading-m" }, a.pupil_name),
      el("p", { class: "govuk-body" }, [...a.address_lines, a.postcode].filter(Boolean).join(", ")),
      el("p", { class: "govuk-body-s" }, `${a.case_reference} · ${a.school_name}${a.due_on ? ` · visit by ${formatDate(a.due_on)}` : ""}`),
      a.instructions ? el("p", { class: "govuk-body" }, a.instructions) : null,
      recorded.length ? el("p", { class: "govuk-body" }, "Recorded on this phone: ", tag(recorded.at(-1).status)) : null,
      el("a", { class: "govuk-button fv-card__action", href: `#record/${a.assignment_id}`, role: "button" },
        recorded.length ? "Record another visit" : "Record visit",
        el("span", { class: "govuk-visually-hidden" }, ` for ${a.pupil_name}`)));
  }));
}

async function updateStatus() {
  const counts = await outbox.counts();
  $("#status-connection").textContent = navigator.onLine ? "Online" : "Offline";
  const parts = [];
  if (counts[outbox.WAITING] + counts[outbox.SENT]) parts.push(`${counts[outbox.WAITING] + counts[outbox.SENT]} waiting to sync`);
  if (counts[outbox.ATTENTION]) parts.push(`${counts[outbox.ATTENTION]} need attention`);
  $("#status-outbox").textContent = parts.length ? ` · ${parts.join(" · ")}` : "";
  $("#nav-outbox-count").textContent = counts.unsynced ? `(${counts.unsynced})` : "";
}

async function sync(force) {
  clearTimeout(retryTimer);
  if (!navigator.onLine) {
    $("#sync-message").textContent = "You are offline: your visits will be sent when a connection returns.";
    await requestBackgroundSync();
    return;
  }
  await syncOutbox({ force });
  const retrying = (await outbox.all()).filter((r) => r.status === outbox.WAITING && r.attempts);
  if (retrying.length) {
    const next = Math.min(...retrying.map((r) => r.next_attempt_at));
    retryTimer = setTimeout(() => sync(false), Math.max(1000, next - Date.now()));
  }
}

// Show what changed, but never re-draw a form the officer is filling in.
async function redraw() {
  if ($("#page-record").hidden) await route();
  else await updateStatus();
}

async function onSync(event) {
  $("#sync-message").textContent = event.message;
  if (event.state === "signin") banner(event.message, { link: SIGN_IN });
  if (["done", "attention", "retry"].includes(event.state)) await redraw();
  else await updateStatus();
}

// Check the session, download the visits and send the outbox, whenever there is a connection.
async function refresh() {
  if (!navigator.onLine) return;
  if (localStorage.getItem(SIGN_OUT_PENDING)) {
    await api.signOut().catch(() => {});
    localStorage.removeItem(SIGN_OUT_PENDING);
  }
  let session;
  try {
    session = await api.session();
  } catch (error) {
    if (!(error instanceof api.SignInNeeded)) return;
    if (await db.getMeta("user")) banner("You are signed out. Sign in again to send your visits: they are safe on this phone.", { link: SIGN_IN });
    return redraw();
  }
  const owner = await db.getMeta("user");
  if (owner && owner.id !== session.user.id) {
    if ((await outbox.counts()).unsynced) {
      return banner(`This phone holds visits recorded by ${owner.name} that have not been sent: they must sign in to send them.`);
    }
    await db.wipe(); // another officer's visits: they have no business here
  }
  await db.setMeta("user", session.user);
  const { visits, downloaded_at } = await api.assignedVisits();
  await db.replaceAssignments(visits);
  await db.setMeta("downloadedAt", downloaded_at);
  if (navigator.storage?.persist) await db.setMeta("persisted", (await navigator.storage.persisted()) || (await navigator.storage.persist()));
  await redraw();
  await sync(false);
}

async function signOut() {
  if ((await outbox.counts()).unsynced) return renderSignOut();
  await db.wipe();
  for (const key of await caches.keys()) if (key.startsWith("fieldvisit-")) await caches.delete(key);
  await (await navigator.serviceWorker?.getRegistration("/app/"))?.unregister();
  try {
    await api.signOut();
  } catch {
    localStorage.setItem(SIGN_OUT_PENDING, "1"); // offline: end the session when next online
  }
  if (navigator.onLine) location.assign("/login");
  else showSignIn();
}

async function start() {
  initRecordForm({
    onSaved: async () => {
      history.pushState(null, "", "#outbox");
      await route();
      banner("Visit saved on this phone. It is sent to fieldvisit as soon as there is a connection.", { success: true });
      await sync(false);
    },
  });
  $("#refresh").addEventListener("click", () => refresh().catch((e) => banner(e.message)));
  $("#sync-now").addEventListener("click", () => sync(true));
  $("#signout-sync").addEventListener("click", () => sync(true).then(renderSignOut));
  $("#signout-confirm").addEventListener("click", signOut);
  window.addEventListener("hashchange", () => { banner(""); route(); });
  window.addEventListener("online", () => refresh().catch(() => {}));
  window.addEventListener("offline", updateStatus);
  onSyncEvent(onSync);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/", type: "module" }).catch(() => {});
  }
  await route();
  await refresh().catch((error) => banner(error.message));
}

start();
