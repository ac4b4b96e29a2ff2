// The outbox and sign-out pages: what waits, what is synced, what needs the officer.

import * as outbox from "./outbox.js";
import { $, el, formatDateTime } from "./ui.js";

const STATUS = {
  [outbox.WAITING]: ["Waiting to send", "govuk-tag--blue"],
  [outbox.SENT]: ["Sending photos", "govuk-tag--light-blue"],
  [outbox.SYNCED]: ["Synced", "govuk-tag--green"],
  [outbox.ATTENTION]: ["Needs your attention", "govuk-tag--red"],
};
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
export const tag = (status) =>
  el("strong", { class: `govuk-tag ${STATUS[status][1]}` }, STATUS[status][0]);

const FIELD_LABELS = {
  arrived_at: "Time you arrived",
  outcome: "What happened at the door",
  letter_reference: "Letter reference",
  concern_details: "Concern",
  case_id: "Case",
  photos: "Photos",
  position: "Location",
};

function fieldLabel(name) {
  const enquiry = /^neighbour_enquiries-(\d+)/.exec(name);
  if (enquiry) return `Neighbour enquiry ${Number(enquiry[1]) + 1}`;
  return FIELD_LABELS[name] ?? name.replaceAll("_", " ");
}

export async function renderOutbox({ onResend, onGiveUp }) {
  const records = (await outbox.all()).reverse();
  const counts = await outbox.counts();
  $("#outbox-summary").textContent = records.length
    ? `${plural(counts.unsynced, "visit")} not yet synced; ${counts[outbox.SYNCED]} synced.`
    : "No visits recorded on this phone yet.";
  $("#outbox-list").replaceChildren(
    ...records.map((r) => {
      const error = r.error;
      const fields = Object.entries(error?.fields ?? {}).map(([name, messages]) =>
        el("li", {}, `${fieldLabel(name)}: ${messages[0]}`),
      );
      return el(
        "li",
        { class: "fv-card", "data-uuid": r.client_uuid },
        el("h2", { class: "govuk-heading-s" }, `${r.pupil_name} (${r.case_reference})`),
        el(
          "p",
          { class: "govuk-body" },
          tag(r.status),
          ` Arrived ${formatDateTime(r.payload.arrived_at)}`,
        ),
        r.replaced_by ? el("p", { class: "govuk-body-s" }, "Sent again as a new visit.") : null,
        error ? el("p", { class: "govuk-body" }, error.message) : null,
        fields.length ? el("ul", { class: "govuk-list govuk-list--bullet" }, fields) : null,
        r.status === outbox.WAITING && r.attempts
          ? el(
              "p",
              { class: "govuk-body-s" },
              `Tried ${plural(r.attempts, "time")}; next try after ${formatDateTime(r.next_attempt_at)}.`,
            )
          : null,
        r.status === outbox.ATTENTION && outbox.editable(r)
          ? el(
              "a",
              { class: "govuk-button", href: `#fix/${r.client_uuid}`, role: "button" },
              "Fix this visit",
            )
          : null,
        error?.code === "conflict"
          ? el(
              "button",
              {
                type: "button",
                class: "govuk-button",
                onclick: () => outbox.copyAsNew(r.client_uuid).then(onResend),
              },
              "Send as a new visit",
            )
          : null,
        r.status === outbox.ATTENTION && r.stored
          ? el(
              "button",
              {
                type: "button",
                class: "govuk-button govuk-button--warning",
                onclick: () => outbox.giveUpMissingPhotos(r.client_uuid).then(onGiveUp),
              },
              "Stop sending the missing photos",
            )
          : null,
        r.photos_given_up
          ? el(
              "p",
              { class: "govuk-body-s" },
              `Synced without ${plural(r.photos_given_up, "photo")} you chose not to send.`,
            )
          : null,
      );
    }),
  );
}

export async function renderSignOut() {
  const { unsynced } = await outbox.counts();
  $("#signout-blocked").hidden = unsynced === 0;
  $("#signout-ready").hidden = unsynced > 0;
  $("#signout-blocked-text").textContent =
    `${plural(unsynced, "visit")} recorded on this phone ${unsynced === 1 ? "has" : "have"} not reached fieldvisit. Signing out would delete ${unsynced === 1 ? "it" : "them"}, so sync first.`;
}
