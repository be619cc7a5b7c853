// Calls to the leadrelay admin API: the relay URL and API token come from the connection
// (authentication.js); every call is a Bearer-authenticated JSON request.

/** The relay's base URL as the user typed it, without trailing slashes. */
function baseUrl(bundle) {
  return String(bundle.authData.relayUrl || '')
    .trim()
    .replace(/\/+$/, '');
}

// Plain http only to the machine itself (a relay tested locally): anywhere else the token would
// cross the network in clear text.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The base URL, or a Zapier error saying what is wrong with it, before anything is sent. */
function checkedBaseUrl(z, bundle) {
  const base = baseUrl(bundle);
  let url = null;
  try {
    url = new URL(base);
  } catch {
    // reported below
  }
  const ok = url && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)));
  if (!ok) {
    throw new z.errors.Error(
      `The leadrelay URL must start with https:// (http:// is allowed only for 127.0.0.1), e.g. https://leadrelay.example.com; got "${base}"`,
      'invalid_relay_url',
      400,
    );
  }
  return base;
}

/**
 * One admin API call. Answers the parsed JSON body (undefined for 204). A leadrelay error
 * ({"error": {"code", "message"}}) becomes a Zapier error carrying its message, so the user sees
 * e.g. "target_url: is a private or loopback address" rather than a bare status code.
 * `allow` lists statuses that are not errors for this call (e.g. 404 on unsubscribe).
 */
async function relayRequest(z, bundle, { method = 'GET', path, body, allow = [] }) {
  const response = await z.request({
    url: `${checkedBaseUrl(z, bundle)}${path}`,
    method,
    headers: {
      Authorization: `Bearer ${bundle.authData.token}`,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
    skipThrowForStatus: true,
  });
  if (response.status >= 400 && !allow.includes(response.status)) {
    const error = response.data && response.data.error;
    const message = error && error.message ? `leadrelay: ${error.message}` : `leadrelay answered HTTP ${response.status}`;
    throw new z.errors.Error(message, (error && error.code) || 'leadrelay_error', response.status);
  }
  return response.status === 204 ? undefined : response.data;
}

module.exports = { baseUrl, checkedBaseUrl, relayRequest };
