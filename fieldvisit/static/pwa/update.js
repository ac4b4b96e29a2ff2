// Updates reach the phone safely: a new version of the app waits until no visit form is
// being filled, then offers "A new version is ready: reload". Nothing in the outbox is
// touched by an update: it lives in IndexedDB, which upgrades in versioned steps.

import * as db from "./db.js";
import { $ } from "./ui.js";

let waiting = null;

// Show the offer, unless a form is open: then it waits for the form to close.
export function offerUpdate() {
  const box = $("#update-ready");
  box.hidden = !waiting || !$("#page-record").hidden;
}

function found(worker) {
  waiting = worker;
  offerUpdate();
}

export async function watchForUpdates() {
  const registration = await navigator.serviceWorker?.getRegistration("/app/");
  if (!registration) return;
  if (registration.waiting && navigator.serviceWorker.controller) found(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) found(worker);
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (waiting && !reloading) {
      reloading = true;
      location.reload();
    }
  });
  $("#update-reload").addEventListener("click", () =>
    waiting?.postMessage({ type: "skip-waiting" }),
  );
  // Another page of a newer version upgrades the database: this one must reload.
  db.onOutdated(() => {
    waiting ??= { postMessage: () => location.reload() };
    offerUpdate();
  });
  setInterval(() => registration.update().catch(() => {}), 60 * 60_000);
}
