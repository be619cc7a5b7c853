// Connecting an account: the relay's public https URL and an API token with the `hooks` scope (a
// `server.tokens` entry of the leadrelay config), sent as a Bearer token on every call. The test call
// asks the relay who the token is and refuses a token that could not subscribe.
const { baseUrl, relayRequest } = require('./lib/relay');

/** GET /v1/whoami: the token's name and scopes; a token without hooks (or admin) would fail every Zap. */
async function test(z, bundle) {
  const me = await relayRequest(z, bundle, { path: '/v1/whoami' });
  const scopes = (me && me.scopes) || [];
  if (!scopes.includes('hooks') && !scopes.includes('admin')) {
    throw new z.errors.Error(
      `leadrelay: token "${me && me.name}" has the scopes ${scopes.join(', ') || '(none)'}, but Zapier needs the hooks scope (server.tokens in the leadrelay config)`,
      'insufficient_scope',
      403,
    );
  }
  return me;
}

module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'relayUrl',
      label: 'leadrelay URL',
      type: 'string',
      required: true,
      helpText:
        'The public base URL of your leadrelay admin API, e.g. `https://leadrelay.example.com`. Zapier calls it from the internet, so it must be reachable from there over https (not `localhost` or a LAN address).',
    },
    {
      key: 'token',
      label: 'API token (hooks scope)',
      type: 'password',
      required: true,
      helpText:
        'A token from `server.tokens` in your leadrelay config with `scopes: [hooks]`: it can subscribe and unsubscribe Zaps and read samples, nothing else. Not the admin token.',
    },
  ],
  test,
  connectionLabel: (z, bundle) => baseUrl(bundle).replace(/^https?:\/\//, ''),
};
