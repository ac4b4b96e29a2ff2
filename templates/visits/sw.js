// The phone app's service worker (scope /app/). It precaches the app shell under a
// versioned name, deletes older caches, and never caches personal data: API answers and
// photos always go to the network. With Background Sync it sends the outbox. A new version
// installs beside the old one and takes over only when the page says it is safe.

import { SYNC_TAG, syncOutbox } from "{{ url_for('static', filename='pwa/sync.js') }}";

const VERSION = {{ version|tojson }};
const SHELL = {{ shell|tojson }};
const CACHE = `fieldvisit-shell-${VERSION}`;
const PAGE = SHELL[0];

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
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(fromCache(PAGE, request));
  } else if (SHELL.includes(url.pathname) && !url.search) {
    event.respondWith(fromCache(url.pathname, request));
  }
});

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
