// Visits waiting to reach fieldvisit. Each record keeps its client UUID for life, is
// replayed in the order it was made, and leaves the phone only once the server has said,
// in its own JSON, that it holds this very version (by content hash) and every photo.

import * as db from "./db.js";

export const SCHEMA_VERSION = 1;
export const WAITING = "waiting"; // not yet stored by the server
export const SENT = "sent"; // stored; some photos still to upload
export const SYNCED = "synced"; // stored with every photo
export const ATTENTION = "attention"; // refused: the officer must fix it

export const all = () => db.allRecords();
export const get = (clientUuid) => db.getRecord(clientUuid);

// JSON with every object's keys sorted: the same record always gives the same text.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// The SHA-256 of a record as sent, its `content_sha256` left out: the version the server
// echoes back, so a stored copy is recognised as this one and not another phone's.
export async function contentHash(payload) {
  const { content_sha256: _ignored, ...content } = payload;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonical(content)),
  );
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Add a new visit (or, with `clientUuid`, replace one the server has not stored).
export async function save({ assignment, payload, photos, clientUuid = null }) {
  const previous = clientUuid ? await db.getRecord(clientUuid) : null;
  if (previous && !editable(previous)) throw new Error("This visit has been sent already.");
  const uuid = clientUuid ?? crypto.randomUUID();
  const now = new Date().toISOString();
  const content = {
    ...payload,
    client_uuid: uuid,
    schema_version: SCHEMA_VERSION,
    photos: photos.map((p) => p.sha256),
  };
  const hash = await contentHash(content);
  const record = {
    client_uuid: uuid,
    seq: previous?.seq,
    status: WAITING,
    attempts: 0,
    error: null,
    photos_missing: null,
    photos_refused: {},
    created_at: previous?.created_at ?? now,
    updated_at: now,
    assignment_id: assignment.assignment_id,
    pupil_name: assignment.pupil_name,
    case_reference: assignment.case_reference,
    content_sha256: hash,
    payload: { ...content, content_sha256: hash },
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
  return record.status === ATTENTION
    ? record.error?.code !== "conflict"
    : record.status === WAITING && record.attempts === 0;
}

// Records to send, oldest first: visits not yet stored, and stored ones with photos to upload.
export async function pending() {
  return (await all()).filter((r) => r.status === WAITING || r.status === SENT);
}

export async function counts() {
  const result = { [WAITING]: 0, [SENT]: 0, [SYNCED]: 0, [ATTENTION]: 0 };
  for (const record of await all()) result[record.status] += 1;
  result.unsent = result[WAITING] + result[SENT];
  result.unsynced = result.unsent + result[ATTENTION];
  return result;
}

async function update(clientUuid, change) {
  const record = await db.getRecord(clientUuid);
  if (!record) return null;
  Object.assign(record, change, { updated_at: new Date().toISOString() });
  await db.putRecord(record);
  return record;
}

// Records saved by an older version of the app have no content hash yet: give them one.
export async function withHash(record) {
  if (record.content_sha256) return record;
  const hash = await contentHash(record.payload);
  return update(record.client_uuid, {
    content_sha256: hash,
    payload: { ...record.payload, content_sha256: hash },
  });
}

export function markAttempted(clientUuid) {
  return db
    .getRecord(clientUuid)
    .then((r) => r && update(clientUuid, { attempts: (r.attempts ?? 0) + 1 }));
}

// The server holds this version of the visit; upload what it still lacks, or finish.
export async function markStored(clientUuid, photosMissing) {
  if (photosMissing.length) {
    return update(clientUuid, {
      status: SENT,
      stored: true,
      photos_missing: photosMissing,
      error: null,
    });
  }
  return finish(clientUuid);
}

// The officer may choose to stop sending photos the server refused or the phone lost.
export async function giveUpMissingPhotos(clientUuid) {
  const record = await db.getRecord(clientUuid);
  await update(clientUuid, { photos_given_up: record.photos_missing?.length ?? 0 });
  return finish(clientUuid);
}

export async function markPhotoReceived(clientUuid, sha256) {
  const record = await db.getRecord(clientUuid);
  const missing = (record?.photos_missing ?? []).filter((h) => h !== sha256);
  await db.deletePhoto(clientUuid, sha256);
  if (!missing.length) return finish(clientUuid);
  return update(clientUuid, {
    photos_missing: missing,
    ...stuckOn(missing, record.photos_refused ?? {}),
  });
}

// A photo the server refused: the others still go; the officer sees which and why.
export async function markPhotoRefused(clientUuid, sha256, message) {
  const record = await db.getRecord(clientUuid);
  const refused = { ...(record.photos_refused ?? {}), [sha256]: message };
  return update(clientUuid, {
    photos_refused: refused,
    ...stuckOn(record.photos_missing, refused),
  });
}

// Once every photo still missing was refused, the visit waits for the officer.
function stuckOn(missing, refused) {
  if (!missing.every((h) => h in refused)) return {};
  const reasons = [...new Set(missing.map((h) => refused[h]))].join(" ");
  const n = missing.length;
  const them = n === 1 ? "it" : "them";
  return {
    status: ATTENTION,
    error: {
      code: "photo_refused",
      message: `fieldvisit refused ${n === 1 ? "a photo" : `${n} photos`} of this visit: ${reasons} Try again with "Sync now", or stop sending ${them}.`,
    },
  };
}

// "Sync now": photos refused before are offered once more.
export async function retryRefusedPhotos() {
  for (const record of await all()) {
    if (
      record.stored &&
      record.status === ATTENTION &&
      Object.keys(record.photos_refused ?? {}).length
    ) {
      await update(record.client_uuid, { status: SENT, photos_refused: {}, error: null });
    }
  }
}

// Synced: keep only what the outbox list shows, so the phone holds as little as it can.
async function finish(clientUuid) {
  for (const photo of await db.photosOf(clientUuid)) await db.deletePhoto(clientUuid, photo.sha256);
  const record = await db.getRecord(clientUuid);
  const { arrived_at, outcome, case_id } = record.payload;
  return update(clientUuid, {
    status: SYNCED,
    photos_missing: [],
    photos_refused: {},
    error: null,
    payload: { arrived_at, outcome, case_id },
  });
}

export function markRejected(clientUuid, error) {
  return update(clientUuid, { status: ATTENTION, error });
}

// Another version of this visit is stored (from another phone, or edited after sending).
export function markConflict(clientUuid) {
  return markRejected(clientUuid, {
    code: "conflict",
    message:
      "fieldvisit already holds a different version of this visit (sent from another phone, or before a change). Nothing was overwritten. Check the case, then send yours as a new visit if it adds anything.",
  });
}

// A conflict: the server holds other content under this UUID. Send ours as a new visit.
export async function copyAsNew(clientUuid) {
  const record = await db.getRecord(clientUuid);
  const photos = await db.photosOf(clientUuid);
  const assignment = {
    assignment_id: record.assignment_id,
    pupil_name: record.pupil_name,
    case_reference: record.case_reference,
  };
  const { client_uuid, schema_version, content_sha256, ...payload } = record.payload;
  const copy = await save({ assignment, payload, photos });
  await update(clientUuid, {
    status: SYNCED,
    error: null,
    payload: { case_id: payload.case_id, arrived_at: payload.arrived_at, outcome: payload.outcome },
    replaced_by: copy.client_uuid,
  });
  for (const photo of photos) await db.deletePhoto(clientUuid, photo.sha256);
  return copy;
}

// A disabled account: keep the visits (the officer's own record) but not the children's names.
export async function forgetNames() {
  for (const record of await all()) {
    if (record.pupil_name) await update(record.client_uuid, { pupil_name: "A child" });
  }
}

export async function photosOf(clientUuid) {
  return db.photosOf(clientUuid);
}
