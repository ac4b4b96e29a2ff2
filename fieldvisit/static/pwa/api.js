// Talking to fieldvisit: fetch with the session cookie, the CSRF header, and typed errors.

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(message, { status = 0, code = "error", fields = {} } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}
// No connection: try again later.
export class Offline extends ApiError {}
// The session has ended: keep everything and ask the officer to sign in again.
export class SignInNeeded extends ApiError {}
// The server could not answer now (5xx, busy, a concurrent change): try again later.
export class TryLater extends ApiError {}
// The server refused this request as it is: retrying the same will not help.
export class Refused extends ApiError {}

let csrfToken = null;

async function call(method, path, { json, body, contentType, retried = false } = {}) {
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
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
    });
  } catch {
    throw new Offline("There is no connection to fieldvisit.");
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const error = data?.error ?? { code: `http_${response.status}`, message: response.statusText };
  const details = { status: response.status, code: error.code, fields: error.fields ?? {} };
  if (response.status === 401) {
    csrfToken = null;
    throw new SignInNeeded(error.message, details);
  }
  if (error.code === "csrf" && !retried) {
    csrfToken = null; // the token went with an old session: fetch a new one, once
    return call(method, path, { json, body, contentType, retried: true });
  }
  if (response.status >= 500 || [408, 409, 429].includes(response.status)) {
    throw new TryLater(error.message || "fieldvisit could not answer now.", details);
  }
  throw new Refused(error.message, details);
}

export async function session() {
  const data = await call("GET", "/session");
  csrfToken = data.csrf_token;
  return data;
}

export const assignedVisits = () => call("GET", "/visits/assigned");
export const sendBatch = (visits) => call("POST", "/visits/batch", { json: { visits } });
export const manifest = (visits) => call("POST", "/visits/manifest", { json: { visits } });
export const putPhoto = (visitUuid, sha256, blob) =>
  call("PUT", `/visits/${visitUuid}/photos/${sha256}`, {
    body: blob,
    contentType: blob.type || "image/jpeg",
  });

// End the session on the server (the same form post as the web pages' sign-out button).
export async function signOut() {
  if (!csrfToken) await session();
  const response = await fetch("/logout", {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken },
    credentials: "same-origin",
  });
  csrfToken = null;
  if (!response.ok) throw new TryLater("fieldvisit did not sign you out.");
}
