// Visits waiting to reach fieldvisit. Each record keeps its client UUID for life, is
// replayed in the order it was made, and leaves the phone only once the server has it.

import * as db from "./db.js";

export const SCHEMA_VERSION = 1;
export const WAITING = "waiting"; // not yet stored by the server
export const SENT = "sent"; // stored; some photos still to upload
export const SYNCED = "synced"; // stored with every photo
export const ATTENTION = "attention"; // refused: the officer must fix it

const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 30 * 60_000;

export function backoff(attempts) {
  const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(delay * (0.5 + Math.random() / 2));
}

export const all = () => db.allRecords();
export const get = (clientUuid) => db.getRecord(clientUuid);

// Add a new visit (or, with `clientUuid`, replace one the server has not stored).
export async function save({ assignment, payload, photos, clientUuid = null }) {
  const previous = clientUuid ? await db.getRecord(clientUuid) : null;
  if (previous && !editable(previous)) throw new Error("This visit has been sent already.");
  const uuid = clientUuid ?? crypto.randomUUID();
  const now = new Date().toISOString();
  const record = {
    client_uuid: uuid,
    seq: previous?.seq,
    status: WAITING,
    attempts: 0,
    next_attempt_at: 0,
    error: null,
    photos_missing: null,
    created_at: previous?.created_at ?? now,
    updated_at: now,
    assignment_id: assignment.assignment_id,
    pupil_name: assignment.pupil_name,
    case_reference: assignment.case_reference,
    payload: {
      ...payload,
      client_uuid: uuid,
      schema_version: SCHEMA_VERSION,
      photos: photos.map((p) => p.sha256),
    },
  };
  const stored = photos.map(({ sha256, blob, width, height }) => ({
    visit_uuid: uuid,
    sha256,
    blob,
    width,
    height,
  }));
  await db.saveRecord(record, stored);
  return record;
}

// A record may be changed only while the server cannot hold it: before its first sending,
// or after the server refused it. A stored visit is never changed.
export function editable(record) {
  if (record.stored) return false;
  return record.status === ATTENTION ? record.error?.code !== "conflict" : record.status === WAITING && record.attempts === 0;
}

// Records to send now, oldest first: waiting ones whose back-off has passed, and sent ones
// with photos still to upload.
export async function pending({ now = Date.now(), force = false } = {}) {
  return (await all()).filter(
    (r) => r.status === SENT || (r.status === WAITING && (force || r.next_attempt_at <= now)),
  );
}

export async function counts() {
  const result = { [WAITING]: 0, [SENT]: 0, [SYNCED]: 0, [ATTENTION]: 0 };
  for (const record of await all()) result[record.status] += 1;
  result.unsynced = result[WAITING] + result[SENT] + result[ATTENTION];
  return result;
}

async function update(clientUuid, change) {
  const record = await db.getRecord(clientUuid);
  if (!record) return null;
  Object.assign(record, change, { updated_at: new Date().toISOString() });
  await db.putRecord(record);
  return record;
}

// The server holds the visit; upload what it still lacks, or finish.
export async function markStored(clientUuid, photosMissing) {
  if (photosMissing.length) {
    return update(clientUuid, { status: SENT, stored: true, photos_missing: photosMissing, error: null });
  }
  return finish(clientUuid);
}

// The server holds the visit but refused a photo, or a photo is gone from the phone: the
// officer may choose to stop sending the photos still missing. Nothing else is dropped.
export async function giveUpMissingPhotos(clientUuid) {
  const record = await db.getRecord(clientUuid);
  await update(clientUuid, { photos_given_up: record.photos_missing?.length ?? 0 });
  return finish(clientUuid);
}

export async function markPhotoReceived(clientUuid, sha256) {
  const record = await db.getRecord(clientUuid);
  const missing = (record?.photos_missing ?? []).filter((h) => h !== sha256);
  await db.deletePhoto(clientUuid, sha256);
  return missing.length ? update(clientUuid, { photos_missing: missing }) : finish(clientUuid);
}

// Synced: keep only what the outbox list shows, so the phone holds as little as it can.
async function finish(clientUuid) {
  for (const photo of await db.photosOf(clientUuid)) await db.deletePhoto(clientUuid, photo.sha256);
  const record = await db.getRecord(clientUuid);
  const { arrived_at, outcome, case_id } = record.payload;
  return update(clientUuid, {
    status: SYNCED,
    photos_missing: [],
    error: null,
    payload: { arrived_at, outcome, case_id },
  });
}

export function markRejected(clientUuid, error) {
  return update(clientUuid, { status: ATTENTION, error });
}

export async function markRetry(clientUuid, message) {
  const record = await db.getRecord(clientUuid);
  const attempts = (record?.attempts ?? 0) + 1;
  return update(clientUuid, {
    attempts,
    next_attempt_at: Date.now() + backoff(attempts),
    error: { code: "retry", message },
  });
}

// A conflict: the server holds other content under this UUID. Send ours as a new visit.
export async function copyAsNew(clientUuid) {
  const record = await db.getRecord(clientUuid);
  const photos = await db.photosOf(clientUuid);
  const assignment = { assignment_id: record.assignment_id, pupil_name: record.pupil_name, case_reference: record.case_reference };
  const { client_uuid, schema_version, ...payload } = record.payload;
  const copy = await save({ assignment, payload, photos });
  await update(clientUuid, { status: SYNCED, error: null, payload: { case_id: payload.case_id, arrived_at: payload.arrived_at, outcome: payload.outcome }, replaced_by: copy.client_uuid });
  for (const photo of photos) await db.deletePhoto(clientUuid, photo.sha256);
  return copy;
}

export async function photosOf(clientUuid) {
  return db.photosOf(clientUuid);
}
