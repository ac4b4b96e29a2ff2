// When to send, in the page: at once on start, on `online`, when the app comes back into
// view and after a visit is saved; after a failed exchange, again by itself with exponential
// back-off and jitter (2 s at first, at most 3 minutes), until everything has gone.
// The service worker's Background Sync covers the time the app is closed.

import { requestBackgroundSync, syncOutbox } from "./sync.js";

const FIRST_MS = 2_000;
const CAP_MS = 180_000;

let failures = 0;
let timer = null;
let nextAt = null;

export function backoff(failed) {
  const delay = Math.min(CAP_MS, FIRST_MS * 2 ** Math.max(0, failed - 1));
  return Math.round(delay * (0.5 + Math.random() / 2));
}

// When the next try is due (a time in ms), or null when none is planned.
export const nextAttemptAt = () => nextAt;

// Send now; `force` is the officer's "Sync now". Resolves to how the run went.
export async function sendNow({ force = false } = {}) {
  clearTimeout(timer);
  timer = null;
  nextAt = null;
  let result;
  try {
    result = await syncOutbox({ force });
  } catch (error) {
    result = { state: "retry", message: error.message }; // e.g. storage busy: try again
  }
  if (result.state === "retry") {
    failures += 1;
    const delay = backoff(failures);
    nextAt = Date.now() + delay;
    timer = setTimeout(() => sendNow(), delay);
    requestBackgroundSync();
  } else {
    failures = 0;
  }
  return result;
}

export function startScheduling() {
  globalThis.addEventListener("online", () => sendNow());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sendNow();
  });
}
