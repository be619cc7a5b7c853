// Registry entry of `vendor: rest`: the adapter, and the auth its `rest.auth` block describes.
import type { RestConfig } from './schema.js';
import { RestAdapter, withApiKey } from './adapter.js';

interface RestSource {
  apiKey: string;
  rest?: RestConfig;
}

const filled = (values: Record<string, string> | undefined, apiKey: string) =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, withApiKey(v, apiKey)]));

export const restVendor = {
  create: (o: ConstructorParameters<typeof RestAdapter>[0]) => new RestAdapter(o),
  headers: (s: RestSource) => filled(s.rest?.auth.headers, s.apiKey),
  query: (s: RestSource) => filled(s.rest?.auth.query, s.apiKey),
  // None assumed: the source's rateLimits set them; 429s, Retry-After and RateLimit-* are honoured as they come.
  rateLimits: [],
};

export { RestAdapter } from './adapter.js';
export { restSchema, type RestConfig } from './schema.js';
