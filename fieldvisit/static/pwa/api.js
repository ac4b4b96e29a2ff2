// Talking to fieldvisit: fetch with the session cookie, the CSRF header, time limits and
// typed errors. Only fieldvisit's own JSON counts as an answer: a captive portal's page, an
// empty body or a cut-off answer is treated like no connection at all.

const BASE = "/api/v1";
const TIME_LIMIT_MS = 30_000;
const PHOTO_TIME_LIMIT_MS = 120_000;

export class ApiError extends Error {
  constructor(message, { status = 0, code = "error", fields = {} } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}
// No connection, or no answer in time: try again later.
export class Offline extends ApiError {}
// The session has ended: keep everything and ask the officer to sign in again.
export class SignInNeeded extends ApiError {}
// The account is disabled: the phone forgets what it downloaded.
export class AccountDisabled extends SignInNeeded {}
// The server could not answer now (5xx, busy, a concurrent change): try again later.
export class TryLater extends ApiError {}
// Something answered that is not fieldvisit's JSON (a Wi-Fi sign-in page, a broken proxy).
export class Unverified extends TryLater {}
// The server refused this request as it is: retrying the same will not help.
export class Refused extends ApiError {}

const UNVERIFIED =
  "Something between this phone and fieldvisit gave a wrong answer (a Wi-Fi sign-in page?).";

let csrfToken = null;

async function call(
  method,
  path,
  { json, body, contentType, limitMs = TIME_LIMIT_MS, retried = false } = {},
) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    if (!csrfToken) await session();
    headers["X-CSRFToken"] = csrfToken;
  }
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  let response;
  let data = null;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
      signal: AbortSignal.timeout(limitMs),
    });
    if ((response.headers.get("Content-Type") ?? "").startsWith("application/json")) {
      data = await response.json();
    }
  } catch {
    // No connection, no answer in time, or an answer cut off half-way.
    throw new Offline("There is no connection to fieldvisit.");
  }
  if (response.ok) {
    if (data === null || typeof data !== "object") throw new Unverified(UNVERIFIED);
    return data;
  }
  const error = data?.error ?? { code: `http_${response.status}`, message: response.statusText };
  const details = { status: response.status, code: error.code, fields: error.fields ?? {} };
  if (response.status === 401) {
    csrfToken = null;
    throw new (error.code === "account_disabled" ? AccountDisabled : SignInNeeded)(
      error.message,
      details,
    );
  }
  if (error.code === "csrf" && !retried) {
    csrfToken = null; // the token went with an old session: fetch a new one, once
    return call(method, path, { json, body, contentType, limitMs, retried: true });
  }
  if (data === null || response.status >= 500 || [408, 409, 429].includes(response.status)) {
    throw new TryLater(error.message || "fieldvisit could not answer now.", details);
  }
  throw new Refused(error.message, details);
}

// Throw Unverified unless `check` holds of an answer: the API's JSON of the expected shape.
export function verified(data, check) {
  if (!check(data)) throw new Unverified(UNVERIFIED);
  return data;
}

export async function session() {
  const data = verified(
    await call("GET", "/session"),
    (d) => Number.isInteger(d.user?.id) && typeof d.csrf_token === "string",
  );
  csrfToken = data.csrf_token;
  return data;
}

export const assignedVisits = () =>
  call("GET", "/visits/assigned").then((d) => verified(d, (v) => Array.isArray(v.visits)));
export const sendBatch = (visits) =>
  call("POST", "/visits/batch", { json: { visits } }).then((d) =>
    verified(d, (v) => Array.isArray(v.results)),
  );
export const manifest = (visits) =>
  call("POST", "/visits/manifest", { json: { visits } }).then((d) =>
    verified(d, (v) => Array.isArray(v.visits)),
  );
export const putPhoto = (visitUuid, sha256, blob) =>
  call("PUT", `/visits/${visitUuid}/photos/${sha256}`, {
    body: blob,
    contentType: blob.type || "image/jpeg",
    limitMs: PHOTO_TIME_LIMIT_MS,
  }).then((d) => verified(d, (v) => v.visit_uuid === visitUuid && v.sha256 === sha256));

// End the session on the server (the same form post as the web pages' sign-out button).
export async function signOut() {
  if (!csrfToken) await session();
  const response = await fetch("/logout", {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken },
    credentials: "same-origin",
    signal: AbortSignal.timeout(TIME_LIMIT_MS),
  });
  csrfToken = null;
  if (!response.ok) throw new TryLater("fieldvisit did not sign you out.");
}
