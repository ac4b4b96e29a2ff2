// The phone app's service worker (scope /app/). It precaches the app shell under a
// versioned name, deletes older caches, and never caches personal data: API answers and
// photos always go to the network. With Background Sync it sends the outbox. A new version
// installs beside the old one and takes over only when the page says it is safe.

import { letterByToken } from "{{ url_for('static', filename='vendor/pwa/db.js') }}";
import { SYNC_TAG, syncOutbox } from "{{ url_for('static', filename='vendor/pwa/sync.js') }}";

const VERSION = {{ version|tojson }};
const SHELL = {{ shell|tojson }};
const CACHE = `fieldvisit-shell-${VERSION}`;
const PAGE = SHELL[0];
// Static URLs carry "?v=<content hash>", but the app's ES modules import one another by path
// alone ("./db.js"): a shell file is looked up by its path, whatever its query.
const BY_PATH = new Map(SHELL.map((url) => [new URL(url, self.location.origin).pathname, url]));

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })));
      // A new version waits: the page offers "reload" when no form is being filled.
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("fieldvisit-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/l/")) {
    event.respondWith(letterLink(request, url.pathname.slice(3)));
  } else if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(fromCache(PAGE, request));
  } else if (BY_PATH.has(url.pathname)) {
    event.respondWith(fromCache(BY_PATH.get(url.pathname), request));
  } else if (url.pathname.startsWith(SCANNER)) {
    event.respondWith(keptOnFirstUse(request));
  }
});

// The QR scanner's fallback is not part of the shell: it is kept the first time it is used,
// so that it then works offline too.
const SCANNER = "/static/vendor/barcode-detector/";
async function keptOnFirstUse(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// A letter's QR code scanned with the phone's camera: fieldvisit answers when it can be
// reached; offline, a letter downloaded with a visit opens that visit's form.
async function letterLink(request, token) {
  try {
    return await fetch(request, { signal: AbortSignal.timeout(LINK_WAIT_MS) });
  } catch {
    const letter = await letterByToken(token).catch(() => null);
    if (letter) return Response.redirect(`${PAGE}#letter/${encodeURIComponent(letter.reference)}`, 303);
    return new Response(NOT_ON_PHONE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

const LINK_WAIT_MS = 8000;
const NOT_ON_PHONE = `<!doctype html><html lang="en-GB"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Letter not on this phone - fieldvisit</title>
<link rel="stylesheet" href="{{ url_for('static', filename='vendor/govuk-frontend/govuk-frontend.app.min.css') }}">
<body class="govuk-template__body"><main class="govuk-main-wrapper govuk-width-container" id="main-content">
<h1 class="govuk-heading-l">This letter is not on this phone</h1>
<p class="govuk-body">There is no connection, and the letter is not one of the visits downloaded to this phone.</p>
<p class="govuk-body">Open the visit in the app and type the reference printed on the letter, or scan it again when there is signal.</p>
<p class="govuk-body"><a class="govuk-link" href="${PAGE}">Open the visits on this phone</a></p>
</main></body></html>`;

async function fromCache(key, request) {
  const cached = await caches.match(key, { cacheName: CACHE });
  return cached ?? fetch(request);
}

// A run that could not send everything fails, so the browser tries again later by itself.
self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    syncOutbox().then((result) => {
      if (result.state === "retry") throw new Error(result.message);
    }),
  );
});
