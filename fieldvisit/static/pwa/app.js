// The phone app's pages: visits, recording (record.js), outbox and sign-out; and start-up.

import * as api from "./api.js";
import * as db from "./db.js";
import * as outbox from "./outbox.js";
import { renderOutbox, renderSignOut, tag } from "./outbox-view.js";
import { initRecordForm, openRecordForm } from "./record.js";
import { nextAttemptAt, sendNow, startScheduling } from "./schedule.js";
import { onSyncEvent } from "./sync.js";
import { offerUpdate, watchForUpdates } from "./update.js";
import {
  $,
  banner,
  el,
  formatDate,
  formatDateTime,
  formatTime,
  oneLineAddress,
  showPage,
} from "./ui.js";

const SIGN_IN = { href: "/login?next=/app/", text: "Sign in again" };
const SIGN_OUT_PENDING = "fieldvisit.signOutPending";
const plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;

async function route() {
  const [page, arg = ""] = location.hash.slice(1).split("/").map(decodeURIComponent);
  await updateStatus();
  if (!(await db.getMeta("user"))) return showSignIn();
  const assignments = await db.allAssignments();
  if (page === "record" || page === "letter") {
    const assignment = assignments.find((a) =>
      page === "record"
        ? a.assignment_id === Number(arg)
        : a.letters.some((l) => l.reference === arg),
    );
    if (assignment) {
      await openRecordForm(assignment, { letterReference: page === "letter" ? arg : "" });
      return showPage("page-record");
    }
    banner(
      page === "letter"
        ? `No visit on this phone has letter ${arg}: refresh your visits.`
        : "That visit is no longer on this phone.",
    );
  } else if (page === "fix") {
    const record = await outbox.get(arg);
    if (record && outbox.editable(record)) {
      const assignment = assignments.find((a) => a.assignment_id === record.assignment_id) ?? {
        assignment_id: record.assignment_id,
        case_id: record.payload.case_id,
        pupil_name: record.pupil_name,
        case_reference: record.case_reference,
        address_lines: [],
        postcode: "",
        contacts: [],
        letters: [],
        instructions: "",
      };
      await openRecordForm(assignment, { record });
      return showPage("page-record");
    }
  } else if (page === "outbox" || page === "signout") {
    await (page === "outbox"
      ? renderOutbox({ onResend: () => sync(true), onGiveUp: route })
      : renderSignOut());
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
  $("#visit-list").replaceChildren(
    ...assignments.map((a) => {
      const recorded = records.filter((r) => r.assignment_id === a.assignment_id);
      return el(
        "li",
        { class: "fv-card" },
        el("h2", { class: "govuk-heading-m" }, a.pupil_name),
        el("p", { class: "govuk-body" }, oneLineAddress(a)),
        el(
          "p",
          { class: "govuk-body-s" },
          `${a.case_reference} · ${a.school_name}${a.due_on ? ` · visit by ${formatDate(a.due_on)}` : ""}`,
        ),
        a.instructions ? el("p", { class: "govuk-body" }, a.instructions) : null,
        recorded.length
          ? el(
              "p",
              { class: "govuk-body" },
              "Recorded on this phone: ",
              tag(recorded.at(-1).status),
            )
          : null,
        el(
          "a",
          {
            class: "govuk-button fv-card__action",
            href: `#record/${a.assignment_id}`,
            role: "button",
          },
          recorded.length ? "Record another visit" : "Record visit",
          el("span", { class: "govuk-visually-hidden" }, ` for ${a.pupil_name}`),
        ),
      );
    }),
  );
}

// The header says what really happened at the last exchange with fieldvisit, not what
// the browser guesses about the connection.
async function updateStatus() {
  const counts = await outbox.counts();
  const exchange = await db.getMeta("exchange");
  const { text, countdown } = describe(counts, exchange, nextAttemptAt());
  $("#status-text").textContent = text;
  $("#status-countdown").textContent = countdown;
  $("#nav-outbox-count").textContent = counts.unsynced ? `(${counts.unsynced})` : "";
}

function describe(counts, exchange, nextAt) {
  const n = counts.unsent;
  const attention = counts[outbox.ATTENTION]
    ? ` · ${counts[outbox.ATTENTION]} ${counts[outbox.ATTENTION] === 1 ? "needs" : "need"} your attention`
    : "";
  let text;
  let countdown = "";
  if (exchange?.state === "disabled") text = "This account is disabled: ask your administrator";
  else if (n && exchange?.state === "signin") text = `Sign in to send ${plural(n, "visit")}`;
  else if (n && exchange?.state === "wrong-user")
    text = `${plural(n, "visit")} waiting for the officer who recorded them`;
  else if (n && exchange?.state === "retry") {
    text = `${n} waiting: ${exchange.reason ?? "cannot reach fieldvisit"}, trying again `;
    if (nextAt) countdown = `in ${Math.max(1, Math.round((nextAt - Date.now()) / 1000))} s`;
    else text += "soon";
  } else if (n) text = `${n} waiting to send`;
  else if (exchange?.sent_at) text = `All sent, ${formatTime(exchange.sent_at)}`;
  else text = "Nothing waiting to send";
  return { text: text + attention, countdown };
}

async function sync(force) {
  await sendNow({ force });
  await updateStatus();
}

// Show what changed, but never re-draw a form the officer is filling in.
async function redraw() {
  if ($("#page-record").hidden) await route();
  else await updateStatus();
}

async function onSync(event) {
  $("#sync-message").textContent = event.message;
  if (event.state === "signin")
    banner("You are signed out. Sign in again to send your visits: they are safe on this phone.", {
      link: SIGN_IN,
    });
  if (event.state === "disabled") await forgetCaseDetails();
  if (["done", "attention", "retry"].includes(event.state)) await redraw();
  else await updateStatus();
}

// A disabled account: the phone forgets the children's details it downloaded. Visits not
// yet sent stay (without them being shown) until someone allowed signs in here.
async function forgetCaseDetails() {
  await db.replaceAssignments([]);
  await db.setMeta("downloadedAt", null);
  await outbox.forgetNames();
  await redraw();
  banner(
    "This account has been disabled. The visit details downloaded to this phone have been deleted. Visits not yet sent are kept: ask your administrator.",
  );
}

// Check the session and download the visits; then send the outbox, whatever happened.
async function refresh() {
  try {
    await download();
  } finally {
    await sync(false);
  }
}

async function download() {
  if (localStorage.getItem(SIGN_OUT_PENDING)) {
    await api.signOut().catch(() => {});
    localStorage.removeItem(SIGN_OUT_PENDING);
  }
  let session;
  try {
    session = await api.session();
  } catch (error) {
    if (error instanceof api.AccountDisabled) return forgetCaseDetails();
    if (!(error instanceof api.SignInNeeded)) return; // no connection: the sync says so
    if (await db.getMeta("user"))
      banner(
        "You are signed out. Sign in again to send your visits: they are safe on this phone.",
        { link: SIGN_IN },
      );
    return redraw();
  }
  const owner = await db.getMeta("user");
  if (owner && owner.id !== session.user.id) {
    if ((await outbox.counts()).unsynced) {
      return banner(
        `This phone holds visits recorded by ${owner.name} that have not been sent: they must sign in to send them.`,
      );
    }
    await db.wipe(); // another officer's visits: they have no business here
  }
  await db.setMeta("user", session.user);
  await db.setMeta("limits", session.limits ?? {});
  const { visits, downloaded_at } = await api.assignedVisits();
  await db.replaceAssignments(visits);
  await db.setMeta("downloadedAt", downloaded_at);
  if (navigator.storage?.persist)
    await db.setMeta(
      "persisted",
      (await navigator.storage.persisted()) || (await navigator.storage.persist()),
    );
  await redraw();
}

async function signOut() {
  if ((await outbox.counts()).unsynced) return renderSignOut();
  await db.wipe();
  for (const key of await caches.keys())
    if (key.startsWith("fieldvisit-")) await caches.delete(key);
  // Both of the app's registrations: /app/ and /l/ (letters' QR links offline).
  for (const registration of (await navigator.serviceWorker?.getRegistrations()) ?? []) {
    await registration.unregister();
  }
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
      offerUpdate();
      banner(
        "Visit saved on this phone. It is sent to fieldvisit as soon as there is a connection.",
        { success: true },
      );
      await sync(false);
    },
  });
  $("#refresh").addEventListener("click", () => refresh().catch((e) => banner(e.message)));
  $("#sync-now").addEventListener("click", () => sync(true));
  $("#signout-sync").addEventListener("click", () => sync(true).then(renderSignOut));
  $("#signout-confirm").addEventListener("click", signOut);
  window.addEventListener("hashchange", () => {
    banner("");
    route().then(offerUpdate);
  });
  window.addEventListener("online", () => download().catch(() => {}));
  startScheduling();
  setInterval(() => nextAttemptAt() && updateStatus(), 1000);
  onSyncEvent(onSync);
  if ("serviceWorker" in navigator) {
    await navigator.serviceWorker
      .register("/app/sw.js", { scope: "/app/", type: "module" })
      .catch(() => {});
    // The same worker answers letters' QR links (/l/...) when the phone is offline.
    navigator.serviceWorker
      .register("/app/sw.js", { scope: "/l/", type: "module" })
      .catch(() => {});
    await watchForUpdates();
  }
  await route();
  await refresh().catch((error) => banner(error.message));
}

start();
