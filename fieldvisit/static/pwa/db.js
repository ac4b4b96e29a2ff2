// The only code that touches IndexedDB. Transactions hold no other awaits (idb's rule).

import { deleteDB, openDB } from "../vendor/idb/index.js";

const NAME = "fieldvisit";

// Upgrade steps, one per version: never change a released step, add the next one.
const UPGRADES = [
  (db) => {
    db.createObjectStore("meta");
    db.createObjectStore("assignments", { keyPath: "assignment_id" });
    const outbox = db.createObjectStore("outbox", { keyPath: "client_uuid" });
    outbox.createIndex("seq", "seq", { unique: true });
    const photos = db.createObjectStore("photos", { keyPath: ["visit_uuid", "sha256"] });
    photos.createIndex("visit", "visit_uuid");
  },
];

let opening = null;
let outdated = false;
const outdatedListeners = [];

// Called when a newer version of the app (in another tab) upgrades the database.
export function onOutdated(listener) {
  outdatedListeners.push(listener);
}

export function database() {
  if (outdated) return Promise.reject(new Error("A new version of the app is ready: reload."));
  opening ??= openDB(NAME, UPGRADES.length, {
    upgrade(db, oldVersion, newVersion, transaction) {
      for (let version = oldVersion; version < newVersion; version += 1) {
        UPGRADES[version](db, transaction);
      }
    },
    blocked() {
      // An older page holds the database open; it is asked to let go (its `blocking`).
    },
    blocking() {
      // A newer version of the app wants to upgrade: let it, and stop using the old one.
      opening?.then((db) => db.close());
      opening = null;
      outdated = true;
      for (const listener of outdatedListeners) listener();
    },
    terminated() {
      opening = null;
    },
  });
  return opening;
}

export async function getMeta(key) {
  return (await database()).get("meta", key);
}

export async function setMeta(key, value) {
  await (await database()).put("meta", value, key);
}

export async function replaceAssignments(assignments) {
  const tx = (await database()).transaction("assignments", "readwrite");
  await Promise.all([tx.store.clear(), ...assignments.map((a) => tx.store.put(a)), tx.done]);
}

export async function allAssignments() {
  return (await database()).getAll("assignments");
}

// The letter a QR link's token names, among the visits downloaded to this phone.
export async function letterByToken(token) {
  for (const assignment of await allAssignments()) {
    const letter = assignment.letters?.find((l) => l.qr_token === token);
    if (letter) return letter;
  }
  return null;
}

export async function getAssignment(id) {
  return (await database()).get("assignments", id);
}

export async function allRecords() {
  return (await database()).getAllFromIndex("outbox", "seq");
}

export async function getRecord(clientUuid) {
  return (await database()).get("outbox", clientUuid);
}

export async function putRecord(record) {
  await (await database()).put("outbox", record);
}

// Store a record and its photos in one transaction: both are kept, or neither.
export async function saveRecord(record, photos) {
  const tx = (await database()).transaction(["meta", "outbox", "photos"], "readwrite");
  const meta = tx.objectStore("meta");
  const photoStore = tx.objectStore("photos");
  if (record.seq === undefined) {
    record.seq = (await meta.get("nextSeq")) ?? 1;
    await meta.put(record.seq + 1, "nextSeq");
  }
  for (const key of await photoStore.index("visit").getAllKeys(record.client_uuid)) {
    await photoStore.delete(key);
  }
  for (const photo of photos) await photoStore.put(photo);
  await tx.objectStore("outbox").put(record);
  await tx.done;
}

export async function getPhoto(visitUuid, sha256) {
  return (await database()).get("photos", [visitUuid, sha256]);
}

export async function photosOf(visitUuid) {
  return (await database()).getAllFromIndex("photos", "visit", visitUuid);
}

export async function deletePhoto(visitUuid, sha256) {
  await (await database()).delete("photos", [visitUuid, sha256]);
}

// Delete everything this app keeps on the phone.
export async function wipe() {
  if (opening) (await opening).close();
  opening = null;
  await deleteDB(NAME);
}
