// Connecting an account: the relay's public URL and its admin token (server.adminToken), sent as
// a Bearer token on every call. The test call lists the configured sources.
const { baseUrl, relayRequest } = require('./lib/relay');

module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'relayUrl',
      label: 'leadrelay URL',
      type: 'string',
      required: true,
      helpText:
        'The public base URL of your leadrelay admin API, e.g. `https://leadrelay.example.com`. Zapier calls it from the internet, so it must be reachable from there (not `localhost` or a LAN address).',
    },
    {
      key: 'adminToken',
      label: 'Admin token',
      type: 'password',
      required: true,
      helpText: 'The `server.adminToken` of your leadrelay config (the `LEADRELAY_ADMIN_TOKEN` environment variable in the examples).',
    },
  ],
  test: (z, bundle) => relayRequest(z, bundle, { path: '/v1/sources' }),
  connectionLabel: (z, bundle) => baseUrl(bundle).replace(/^https?:\/\//, ''),
};
