// GET /openapi.json and GET /docs: the API described, and browsable offline (Swagger UI served from
// the swagger-ui-dist package, no CDN). No auth: the document holds no secrets.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { notFound } from '../errors.js';
import { describeRoute, type RouteDoc, type RouterRoute } from '../describe.js';
import { buildOpenApiDocument } from '../openapi.js';

/** The only files served from swagger-ui-dist: a request names a key here, never a path. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// Relative URLs, so the page also works behind a reverse proxy that mounts the relay under a prefix.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>leadrelay API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const DOCS = {
  getOpenApi: {
    operationId: 'getOpenApi', tag: 'Docs', summary: 'This document (no auth)',
    responses: { 200: { description: 'The OpenAPI 3.1 document.', contentType: 'application/json' } },
  },
  getDocs: {
    operationId: 'getDocs', tag: 'Docs', summary: 'This document, browsable (no auth, works offline)',
    responses: { 200: { description: 'An HTML page (Swagger UI).', contentType: 'text/html' } },
  },
} satisfies Record<string, RouteDoc>;

const assetDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** `routes`: every route the API serves, read when the document is first asked for (built once). */
export function docsRoutes(routes: () => readonly RouterRoute[]) {
  const app = new Hono();
  const cache = new Map<string, Buffer>();

  let json: string | undefined;
  app.get('/openapi.json', describeRoute(DOCS.getOpenApi), (c) =>
    c.body((json ??= JSON.stringify(buildOpenApiDocument(routes()))), 200, { 'content-type': 'application/json; charset=utf-8' }),
  );

  app.get('/docs', describeRoute(DOCS.getDocs), (c) => c.html(PAGE));

  app.get('/docs/:file', (c) => {
    const file = c.req.param('file');
    if (file === 'init.js') return c.body(INIT_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' });
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) throw notFound('docs file', file);
    let bytes = cache.get(file);
    if (!bytes) cache.set(file, (bytes = readFileSync(join(assetDir(), file))));
    return c.body(new Uint8Array(bytes), 200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
  });

  return app;
}
