// Replaying the outbox to fieldvisit. Runs in the page (on start, on `online`, on "Sync
// now") and in the service worker (Background Sync's `sync` event), one run at a time.

import * as api from "./api.js";
import * as db from "./db.js";
import * as outbox from "./outbox.js";

export const SYNC_TAG = "fieldvisit-outbox";
const BATCH_SIZE = 50;
const channel = "BroadcastChannel" in globalThis ? new BroadcastChannel("fieldvisit") : null;

// Tell every open page (and the service worker) how the sync is going.
function announce(state, message = "") {
  const event = { type: "sync", state, message };
  channel?.postMessage(event);
  globalThis.dispatchEvent?.(new CustomEvent("fieldvisit-sync", { detail: event }));
  return event;
}

export function onSyncEvent(listener) {
  channel?.addEventListener("message", (event) => listener(event.data));
  globalThis.addEventListener?.("fieldvisit-sync", (event) => listener(event.detail));
}

// Send everything due. `force` (the Sync now button) ignores the back-off.
export async function syncOutbox({ force = false } = {}) {
  if (globalThis.navigator?.locks) {
    return navigator.locks.request("fieldvisit-sync", () => run(force));
  }
  return run(force);
}

async function run(force) {
  const records = await outbox.pending({ force });
  if (!records.length) return announce("idle");
  announce("syncing", `Sending ${records.length} visit${records.length === 1 ? "" : "s"}…`);
  try {
    const { user } = await api.session();
    const owner = await db.getMeta("user");
    if (owner && owner.id !== user.id) {
      return announce("wrong-user", `These visits were recorded by ${owner.name}: they must sign in to send them.`);
    }
    await sendVisits(records);
    await sendPhotos();
  } catch (error) {
    if (error instanceof api.SignInNeeded) {
      return announce("signin", "You are signed out. Sign in again to send your visits: they are safe on this phone.");
    }
    if (error instanceof api.ApiError) {
      const unsent = (await outbox.pending({ force: true })).filter((r) => r.status === outbox.WAITING);
      for (const record of unsent) await outbox.markRetry(record.client_uuid, error.message);
      return announce("retry", `${error.message} Your visits are safe on this phone and will be sent later.`);
    }
    throw error;
  }
  const counts = await outbox.counts();
  if (counts[outbox.ATTENTION]) {
    return announce("attention", `${counts[outbox.ATTENTION]} visit${counts[outbox.ATTENTION] === 1 ? " needs" : "s need"} your attention.`);
  }
  return announce("done", "Everything recorded on this phone has reached fieldvisit.");
}

async function sendVisits(records) {
  // Ask first what the server already has: a visit whose answer was lost is not sent again.
  const known = await api.manifest(
    records.map((r) => ({ client_uuid: r.client_uuid, photos: r.payload.photos ?? [] })),
  );
  const stored = new Map(
    known.visits.filter((v) => v.visit === "stored").map((v) => [v.client_uuid, v.photos_missing]),
  );
  const toSend = [];
  for (const record of records) {
    if (stored.has(record.client_uuid)) {
      await outbox.markStored(record.client_uuid, stored.get(record.client_uuid));
    } else if (record.status === outbox.WAITING) {
      toSend.push(record);
    }
  }
  for (let start = 0; start < toSend.length; start += BATCH_SIZE) {
    const batch = toSend.slice(start, start + BATCH_SIZE);
    const { results } = await api.sendBatch(batch.map((r) => r.payload));
    for (const result of results) {
      const clientUuid = batch[result.index].client_uuid;
      if (result.status === "rejected") await outbox.markRejected(clientUuid, result.error);
      else await outbox.markStored(clientUuid, result.photos_missing);
    }
  }
}

async function sendPhotos() {
  for (const record of await outbox.all()) {
    if (record.status !== outbox.SENT) continue;
    for (const sha256 of record.photos_missing) {
      const photo = await db.getPhoto(record.client_uuid, sha256);
      if (!photo) {
        await outbox.markRejected(record.client_uuid, {
          code: "photo_lost",
          message: "A photo of this visit is no longer on this phone. Tell the school.",
        });
        break;
      }
      try {
        await api.putPhoto(record.client_uuid, sha256, photo.blob);
      } catch (error) {
        if (!(error instanceof api.Refused)) throw error;
        await outbox.markRejected(record.client_uuid, { code: error.code, message: `A photo was refused: ${error.message}` });
        break;
      }
      await outbox.markPhotoReceived(record.client_uuid, sha256);
    }
  }
}

// Ask the browser to sync in the background when a connection returns, where it can.
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    if (registration?.sync) {
      await registration.sync.register(SYNC_TAG);
      return true;
    }
  } catch {
    // Background Sync refused (permissions, private mode): the page syncs instead.
  }
  return false;
}
