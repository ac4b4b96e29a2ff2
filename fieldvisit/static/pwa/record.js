// The "Record a visit" page: the form, its checks, and saving into the outbox.

import * as db from "./db.js";
import * as outbox from "./outbox.js";
import { preparePhoto } from "./photos.js";
import { canScan, matchLetter, scanQrCode } from "./scan.js";
import { $, el, oneLineAddress, showErrors } from "./ui.js";

const form = () => $("#visit-form");
let current = null; // { assignment, clientUuid, photos: [...], position }
let scanning = null;

// What fieldvisit accepts (published in GET /api/v1/session); these until it has said.
const DEFAULT_LIMITS = {
  photos_per_visit: 10,
  neighbours_per_visit: 20,
  text_max: {
    notes: 10_000,
    concern_details: 5000,
    letter_reference: 40,
    neighbour: 200,
    spoke_to: 200,
    said: 5000,
  },
};
let limits = DEFAULT_LIMITS;

export async function openRecordForm(assignment, { record = null, letterReference = "" } = {}) {
  limits = { ...DEFAULT_LIMITS, ...((await db.getMeta("limits")) ?? {}) };
  current = { assignment, clientUuid: record?.client_uuid ?? null, photos: [], position: null };
  const p = record?.payload ?? {};
  form().reset();
  $("#record-caption").textContent =
    `${assignment.case_reference} · ${assignment.school_name ?? ""}`;
  $("#record-heading").textContent = `Visit for ${assignment.pupil_name}`;
  const address = oneLineAddress(assignment);
  // geo: opens the phone's own maps app; the address goes nowhere else.
  $("#record-address").replaceChildren(
    address,
    address ? el("br") : "",
    address
      ? el(
          "a",
          { class: "govuk-link", href: `geo:0,0?q=${encodeURIComponent(address)}` },
          "Open in maps",
        )
      : "",
  );
  $("#record-contacts").replaceChildren(
    ...assignment.contacts.map((c) =>
      el(
        "li",
        {},
        `${c.name} (${c.relationship})`,
        ...(c.phones ?? []).map((n) => [" ", telLink(n)]),
      ),
    ),
    assignment.school_phone ? el("li", {}, "School: ", telLink(assignment.school_phone)) : null,
  );
  $("#record-instructions").textContent = assignment.instructions || "None";
  $("#arrived_at").value = toLocalInput(p.arrived_at ? new Date(p.arrived_at) : new Date());
  if (p.outcome) form().elements.outcome.value = p.outcome;
  $("#letter_left").checked = Boolean(p.letter_left);
  $("#letter_reference").value = p.letter_reference ?? letterReference;
  if (letterReference) $("#letter_left").checked = true;
  $("#notes").value = p.notes ?? "";
  $("#concern").checked = Boolean(p.concern);
  $("#concern_details").value = p.concern_details ?? "";
  setPosition(p.position ?? null);
  if (!record) locateIfAllowed();
  renderLetters(assignment.letters ?? []);
  $("#enquiries").replaceChildren();
  enquirySerial = 0; // ids then match the server's numbering of a refused record's errors
  for (const enquiry of p.neighbour_enquiries ?? []) addEnquiry(enquiry);
  if (record) {
    for (const photo of await outbox.photosOf(record.client_uuid)) current.photos.push(photo);
  }
  renderPhotos();
  refreshReveals();
  const errors = record?.error?.fields ?? {};
  showErrors(
    $("#record-errors"),
    $("#record-error-list"),
    Object.entries(errors).map(([field, messages]) => ({
      field: fieldId(field),
      text: messages[0],
    })),
  );
}

function toLocalInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

// Server field names like neighbour_enquiries-0-said map onto the form's ids.
function fieldId(name) {
  const match = /^neighbour_enquiries-(\d+)-(\w+)$/.exec(name);
  if (match) return `enquiry-${match[1]}-${match[2]}`;
  return (
    { case_id: "arrived_at", position: "locate", photos: "photo-input", _schema: "arrived_at" }[
      name
    ] ?? name
  );
}

function setPosition(position) {
  current.position = position;
  $("#position-status").textContent = position
    ? `Location recorded, to within ${Math.round(position.accuracy_m)} m.`
    : "No location recorded. You can save the visit without one.";
}

const telLink = (number) =>
  el("a", { class: "govuk-link", href: `tel:${number.replace(/[^\d+]/g, "")}` }, number);

// Ask for the position as the form opens, unless the officer has refused it before.
async function locateIfAllowed() {
  const permission = await navigator.permissions?.query({ name: "geolocation" }).catch(() => null);
  if (permission?.state !== "denied") locate();
}

function locate() {
  if (!navigator.geolocation) return;
  $("#position-status").textContent = "Finding your location…";
  navigator.geolocation.getCurrentPosition(
    ({ coords }) =>
      setPosition({
        latitude: coords.latitude,
        longitude: coords.longitude,
        accuracy_m: coords.accuracy,
      }),
    (error) => {
      current.position = null;
      $("#position-status").textContent =
        `Location not available (${error.message || "refused"}). You can save the visit without it.`;
    },
    { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
  );
}

function renderLetters(letters) {
  $("#letter-choice-group").hidden = letters.length === 0;
  $("#letter-choices").replaceChildren(
    ...letters.map((letter, i) =>
      el(
        "div",
        { class: "govuk-radios__item" },
        el("input", {
          class: "govuk-radios__input",
          type: "radio",
          name: "letter_choice",
          id: `letter-${i}`,
          value: letter.reference,
          onchange: () => ($("#letter_reference").value = letter.reference),
        }),
        el(
          "label",
          { class: "govuk-label govuk-radios__label", for: `letter-${i}` },
          `${letter.title} (${letter.reference})`,
        ),
      ),
    ),
  );
  $("#scan-letter").hidden = !canScan();
}

async function scanLetter() {
  scanning?.abort();
  scanning = new AbortController();
  $("#scan-status").textContent = "Point the camera at the QR code on the letter.";
  try {
    const value = await scanQrCode($("#scan-video"), scanning.signal);
    const letter = value && matchLetter(value, current.assignment.letters ?? []);
    if (letter) $("#letter_reference").value = letter.reference;
    $("#scan-status").textContent = letter
      ? `Found letter ${letter.reference}.`
      : "That QR code is not one of this case's letters: type the reference printed on it.";
  } catch (error) {
    $("#scan-status").textContent =
      `The camera could not scan (${error.message}): type the reference instead.`;
  }
}

let enquirySerial = 0;
function addEnquiry(values = {}) {
  const fieldset = $("#enquiry-template").content.firstElementChild.cloneNode(true);
  const id = enquirySerial++;
  for (const group of fieldset.querySelectorAll("[data-field]")) {
    const input = group.querySelector("input, textarea");
    input.id = `enquiry-${id}-${group.dataset.field}`;
    input.value = values[group.dataset.field] ?? "";
    group.querySelector("label").htmlFor = input.id;
  }
  fieldset.querySelector("[data-remove]").addEventListener("click", () => fieldset.remove());
  $("#enquiries").append(fieldset);
  return fieldset;
}

// Photos are added one change at a time: a photo taken while the last is still being
// shrunk waits for it, so the limit is checked against every photo already added.
let adding = Promise.resolve();
function addPhoto(event) {
  const files = [...event.target.files];
  event.target.value = "";
  adding = adding.then(() => addFiles(files));
  return adding;
}

async function addFiles(files) {
  const error = $("#photos-error");
  error.hidden = true;
  for (const file of files) {
    if (current.photos.length >= limits.photos_per_visit) {
      error.hidden = false;
      error.textContent = `A visit can have at most ${limits.photos_per_visit} photos. Remove one to add another.`;
      break;
    }
    try {
      current.photos.push(await preparePhoto(file));
    } catch (problem) {
      error.hidden = false;
      error.textContent = problem.message;
    }
  }
  renderPhotos();
}

function renderPhotos() {
  $("#photo-list").replaceChildren(
    ...current.photos.map((photo, i) => {
      const url = URL.createObjectURL(photo.blob);
      return el(
        "li",
        {},
        el("img", {
          class: "fv-photo-thumb",
          src: url,
          alt: `Photo ${i + 1}`,
          onload: () => URL.revokeObjectURL(url),
        }),
        el(
          "button",
          {
            type: "button",
            class: "govuk-button govuk-button--secondary",
            onclick: () => {
              current.photos.splice(i, 1);
              renderPhotos();
            },
          },
          `Remove photo ${i + 1}`,
        ),
      );
    }),
  );
}

function refreshReveals() {
  // The server's rule (HomeVisit.completed): the family answered, or a letter was left.
  const outcome = form().elements.outcome.value;
  const answered = ["spoke_to_parent", "child_seen_safe", "child_not_seen"].includes(outcome);
  $("#letter-details").hidden = !$("#letter_left").checked;
  $("#completion-warning").hidden = !(outcome && !answered && !$("#letter_left").checked);
  $("#concern_details-group").hidden = !$("#concern").checked;
}

// Re-enumerate the enquiries in form order; the server numbers them the same way.
function collect() {
  const enquiries = [...$("#enquiries").children].map((fieldset) => ({
    neighbour: fieldset.querySelector("[name=neighbour]").value.trim(),
    spoke_to: fieldset.querySelector("[name=spoke_to]").value.trim(),
    said: fieldset.querySelector("[name=said]").value.trim(),
    id: fieldset.querySelector("[name=neighbour]").id,
  }));
  const letterLeft = $("#letter_left").checked;
  const concern = $("#concern").checked;
  const arrived = $("#arrived_at").value ? new Date($("#arrived_at").value) : null;
  const payload = {
    case_id: current.assignment.case_id,
    arrived_at: arrived && !Number.isNaN(arrived.getTime()) ? arrived.toISOString() : null,
    outcome: form().elements.outcome.value || null,
    position: current.position,
    neighbour_enquiries: enquiries.map(({ id, ...enquiry }) => enquiry),
    letter_left: letterLeft,
    letter_reference: letterLeft ? $("#letter_reference").value.trim() : "",
    notes: $("#notes").value.trim(),
    concern,
    concern_details: concern ? $("#concern_details").value.trim() : "",
  };
  const errors = [];
  if (!payload.arrived_at)
    errors.push({ field: "arrived_at", text: "Enter the time you arrived." });
  else if (arrived > new Date(Date.now() + 10 * 60_000))
    errors.push({ field: "arrived_at", text: "The time you arrived cannot be in the future." });
  if (!payload.outcome)
    errors.push({ field: "outcome-no_answer", text: "Select what happened at the door." });
  if (letterLeft && !payload.letter_reference)
    errors.push({
      field: "letter_reference",
      text: "Enter the reference printed on the letter you left, or pick the letter.",
    });
  for (const enquiry of enquiries) {
    if (!enquiry.neighbour)
      errors.push({ field: enquiry.id, text: "Say which neighbour: an address or a description." });
  }
  if (concern && !payload.concern_details)
    errors.push({ field: "concern_details", text: "Describe the concern." });
  errors.push(...overLimits(payload, enquiries));
  return { payload, errors };
}

// The sizes fieldvisit accepts, checked before saving so nothing is refused after.
function overLimits(payload, enquiries) {
  const errors = [];
  const tooLong = (field, value, what) => {
    const max = limits.text_max?.[field];
    if (max && value.length > max)
      errors.push({
        field,
        text: `${what} must be ${max} characters or fewer: it has ${value.length}.`,
      });
  };
  if (current.photos.length > limits.photos_per_visit) {
    errors.push({
      field: "photo-input",
      text: `A visit can have at most ${limits.photos_per_visit} photos: remove ${current.photos.length - limits.photos_per_visit}.`,
    });
  }
  if (enquiries.length > limits.neighbours_per_visit) {
    errors.push({
      field: "add-enquiry",
      text: `A visit can have at most ${limits.neighbours_per_visit} neighbour enquiries: record the others in the notes or in another visit.`,
    });
  }
  tooLong("notes", payload.notes, "Notes");
  tooLong("concern_details", payload.concern_details, "The concern");
  tooLong("letter_reference", payload.letter_reference, "The letter reference");
  for (const enquiry of enquiries) {
    for (const [field, what] of [
      ["neighbour", "Which neighbour"],
      ["spoke_to", "Who you spoke to"],
      ["said", "What they said"],
    ]) {
      const max = limits.text_max?.[field];
      const id = enquiry.id.replace(/-neighbour$/, `-${field}`);
      if (max && enquiry[field].length > max)
        errors.push({
          field: id,
          text: `${what} must be ${max} characters or fewer: it has ${enquiry[field].length}.`,
        });
    }
  }
  return errors;
}

export function initRecordForm({ onSaved }) {
  form().addEventListener("change", refreshReveals);
  $("#locate").addEventListener("click", locate);
  $("#add-enquiry").addEventListener("click", () => addEnquiry().querySelector("input").focus());
  $("#photo-input").addEventListener("change", addPhoto);
  $("#scan-letter").addEventListener("click", scanLetter);
  form().addEventListener("submit", async (event) => {
    event.preventDefault();
    scanning?.abort();
    const { payload, errors } = collect();
    showErrors($("#record-errors"), $("#record-error-list"), errors);
    if (errors.length) return;
    const record = await outbox.save({
      assignment: current.assignment,
      payload,
      photos: current.photos,
      clientUuid: current.clientUuid,
    });
    onSaved(record);
  });
}
