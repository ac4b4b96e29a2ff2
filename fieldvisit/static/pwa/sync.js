// Replaying the outbox to fieldvisit, one run at a time, in the page or in the service
// worker (Background Sync). A run says how it went; schedule.js decides when to run again.
// Requests are sized from the limits the server publishes, so no number of visits or
// photos makes one too big, and a record the server refuses is marked alone.

import * as api from "./api.js";
import * as db from "./db.js";
import * as outbox from "./outbox.js";

export const SYNC_TAG = "fieldvisit-outbox";
// Used until the server has published its own (GET /api/v1/session).
const DEFAULT_LIMITS = { batch_max_visits: 50, manifest_max_visits: 500 };
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

// What happened at the last exchange with the server, for the header.
async function remember(state, message = "", reason = null) {
  const exchange = { state, message, reason, at: new Date().toISOString() };
  if (state === "done" || state === "attention") exchange.sent_at = exchange.at;
  else exchange.sent_at = (await db.getMeta("exchange"))?.sent_at ?? null;
  await db.setMeta("exchange", exchange);
  return announce(state, message);
}

// Send everything waiting. `force` (Sync now) also offers refused photos again.
// Resolves to the last announcement: its state is done, attention, retry, signin or idle.
export async function syncOutbox({ force = false } = {}) {
  if (globalThis.navigator?.locks) {
    return navigator.locks.request("fieldvisit-sync", () => run(force));
  }
  return run(force);
}

async function run(force) {
  if (force) await outbox.retryRefusedPhotos();
  const records = await outbox.pending();
  if (!records.length) return announce("idle");
  announce("syncing", `Sending ${plural(records.length, "visit")}…`);
  try {
    const { user, limits = {} } = await api.session();
    const owner = await db.getMeta("user");
    if (owner && owner.id !== user.id) {
      return remember(
        "wrong-user",
        `These visits were recorded by ${owner.name}: they must sign in to send them.`,
      );
    }
    await db.setMeta("limits", limits);
    await sendVisits(await Promise.all(records.map(outbox.withHash)), {
      ...DEFAULT_LIMITS,
      ...limits,
    });
    await sendPhotos();
  } catch (error) {
    if (error instanceof api.SignInNeeded) {
      return remember(error instanceof api.AccountDisabled ? "disabled" : "signin", error.message);
    }
    if (error instanceof api.ApiError) return remember("retry", error.message, reasonOf(error));
    throw error;
  }
  const counts = await outbox.counts();
  if (counts.unsent) return remember("retry", "Some visits are still to send.", "busy");
  if (counts[outbox.ATTENTION]) {
    return remember(
      "attention",
      `${plural(counts[outbox.ATTENTION], "visit")} ${counts[outbox.ATTENTION] === 1 ? "needs" : "need"} your attention.`,
    );
  }
  return remember("done", "Everything recorded on this phone has reached fieldvisit.");
}

// Why the last exchange failed, in the words the header uses.
function reasonOf(error) {
  if (error instanceof api.Offline) return "cannot reach fieldvisit";
  if (error instanceof api.Unverified) return "a wrong answer came back (a Wi-Fi sign-in page?)";
  return "fieldvisit could not take them now";
}

function chunks(list, size) {
  const result = [];
  for (let start = 0; start < list.length; start += Math.max(1, size))
    result.push(list.slice(start, start + size));
  return result;
}

async function sendVisits(records, limits) {
  // Ask first what the server already has: a visit whose answer was lost is not sent again.
  const toSend = [];
  for (const part of chunks(records, limits.manifest_max_visits)) {
    const { visits } = await api.manifest(
      part.map((r) => ({
        client_uuid: r.client_uuid,
        content_sha256: r.content_sha256,
        photos: r.payload.photos ?? [],
      })),
    );
    const answers = new Map(visits.map((v) => [v.client_uuid, v]));
    for (const record of part) {
      const answer = answers.get(record.client_uuid);
      if (answer?.visit === "stored" && answer.content_sha256 === record.content_sha256) {
        await outbox.markStored(record.client_uuid, answer.photos_missing ?? []);
      } else if (answer?.visit === "conflict") {
        await outbox.markConflict(record.client_uuid);
      } else if (answer?.visit === "rejected" && answer.error) {
        await outbox.markRejected(record.client_uuid, answer.error);
      } else if (record.status === outbox.WAITING) {
        toSend.push(record); // missing, or no answer we can trust: send it
      }
    }
  }
  for (const batch of chunks(toSend, limits.batch_max_visits)) await sendBatch(batch);
}

// Send a batch; if the server refuses the whole of it, halve it until the record at fault
// is alone, so that it is marked and the others go on.
async function sendBatch(batch) {
  for (const record of batch) await outbox.markAttempted(record.client_uuid);
  let results;
  try {
    ({ results } = await api.sendBatch(batch.map((r) => r.payload)));
  } catch (error) {
    if (!(error instanceof api.Refused)) throw error;
    if (batch.length === 1)
      return outbox.markRejected(batch[0].client_uuid, {
        code: error.code,
        message: error.message,
        fields: error.fields,
      });
    const half = Math.ceil(batch.length / 2);
    await sendBatch(batch.slice(0, half));
    return sendBatch(batch.slice(half));
  }
  for (const [index, record] of batch.entries()) {
    const result = results.find((r) => r.index === index && r.client_uuid === record.client_uuid);
    if (!result) continue; // not answered for: it stays waiting and goes again
    if (result.status === "rejected") {
      if (result.error?.code === "conflict") await outbox.markConflict(record.client_uuid);
      else if (result.error?.code !== "try_again")
        await outbox.markRejected(record.client_uuid, result.error);
    } else if (result.content_sha256 === record.content_sha256) {
      await outbox.markStored(record.client_uuid, result.photos_missing ?? []);
    }
  }
}

async function sendPhotos() {
  for (const record of await outbox.all()) {
    if (record.status !== outbox.SENT) continue;
    const refused = record.photos_refused ?? {};
    for (const sha256 of record.photos_missing.filter((h) => !(h in refused))) {
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
        await outbox.markPhotoRefused(record.client_uuid, sha256, error.message);
        continue;
      }
      await outbox.markPhotoReceived(record.client_uuid, sha256);
    }
  }
}

const plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;

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
