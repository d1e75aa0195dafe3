// The server's JSON API as the page calls it: the bearer token (asked for once, kept for the
// session) on every request, and an error carrying the server's own message.

export function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function headers(extra = {}) {
  const token = sessionStorage.getItem('second-brain-token');
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

export async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  if (response.status === 401) {
    const token = prompt('This server needs its API token:');
    if (token) {
      sessionStorage.setItem('second-brain-token', token);
      return api(path, options);
    }
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}
