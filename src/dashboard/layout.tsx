// The frame of every dashboard page: head (own stylesheet and script, nothing from elsewhere), the
// top bar with the menu and who is logged in, the flash message, the page, and a footer.
import type { Child } from 'hono/jsx';
import { ASSETS } from './assets.js';
import { url, type ViewContext } from './view.js';
import { CsrfField } from './components.js';

function Head(props: { root: string; title: string }) {
  const at = { root: props.root };
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{`${props.title} · leadrelay`}</title>
      <link rel="icon" href={`${url(at, ASSETS.icon.path)}?v=${ASSETS.icon.version}`} type="image/svg+xml" />
      <link rel="stylesheet" href={`${url(at, ASSETS.css.path)}?v=${ASSETS.css.version}`} />
      <script src={`${url(at, ASSETS.js.path)}?v=${ASSETS.js.version}`} defer />
    </head>
  );
}

export function Layout(props: { view: ViewContext; title: string; children?: Child }) {
  const { view } = props;
  return (
    <html lang="en">
      <Head root={view.root} title={props.title} />
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={view.root}>
            leadrelay
          </a>
          <nav aria-label="Main">
            {view.nav.map((n) => (
              <a href={url(view, n.path)} aria-current={view.path === `/${n.path}` ? 'page' : undefined}>
                {n.label}
              </a>
            ))}
          </nav>
          <div class="who">
            <span>
              {view.caller.name} · {view.canWrite ? 'full access' : 'read-only'}
            </span>
            <form class="inline" method="post" action={url(view, 'logout')}>
              <CsrfField view={view} />
              <button type="submit">Log out</button>
            </form>
          </div>
        </header>
        {view.flash && (
          <p class={`flash ${view.flash.kind}`} role={view.flash.kind === 'error' ? 'alert' : 'status'}>
            {view.flash.text}
          </p>
        )}
        <main id="main">{props.children}</main>
        <footer>
          {view.storage === 'postgres' ? `PostgreSQL · answered by replica ${view.replicaId}` : 'SQLite'}
        </footer>
      </body>
    </html>
  );
}

/** The frame of the login page: no menu, no session. */
export function BareLayout(props: { root: string; title: string; children?: Child }) {
  return (
    <html lang="en">
      <Head root={props.root} title={props.title} />
      <body>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}
