// Calls to the leadrelay admin API: the relay URL and admin token come from the connection
// (authentication.js); every call is a Bearer-authenticated JSON request.

/** The relay's base URL as the user typed it, without trailing slashes. */
function baseUrl(bundle) {
  return String(bundle.authData.relayUrl || '')
    .trim()
    .replace(/\/+$/, '');
}

/**
 * One admin API call. Answers the parsed JSON body (undefined for 204). A leadrelay error
 * ({"error": {"code", "message"}}) becomes a Zapier error carrying its message, so the user sees
 * e.g. "target_url: is a private or loopback address" rather than a bare status code.
 * `allow` lists statuses that are not errors for this call (e.g. 404 on unsubscribe).
 */
async function relayRequest(z, bundle, { method = 'GET', path, body, allow = [] }) {
  const response = await z.request({
    url: `${baseUrl(bundle)}${path}`,
    method,
    headers: {
      Authorization: `Bearer ${bundle.authData.adminToken}`,
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

module.exports = { baseUrl, relayRequest };
