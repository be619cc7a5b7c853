// The overview (GET /): every source with its sync state and "sync now" / "release deletes", every
// subscription with its health, and the delivery attempts of the last hour. The live part refreshes
// itself every few seconds (dashboard.js fetches its fragment).
import type { SourceListing } from '../../api/source-actions.js';
import { beginSync, releaseHeldDeletes } from '../../api/source-actions.js';
import { DeliveryChart } from '../chart.js';
import { ActionButton, Ago, Badge, count, duration, percent, type Tone } from '../components.js';
import { Layout } from '../layout.js';
import type { DashboardPage } from '../router.js';
import { fragmentWanted, seg, sendPage, url, type ViewContext } from '../view.js';
import { loadOverview, type Overview, type SubscriptionHealthRow } from './overview-data.js';

/** Seconds between refreshes of the live region. */
const REFRESH_SECONDS = 5;

function SourceState(props: { s: SourceListing }) {
  const { s } = props;
  if (!s.enabled) return <Badge tone="muted">disabled</Badge>;
  if (s.syncing) {
    const p = s.progress;
    return (
      <div>
        <Badge tone="ok">syncing</Badge>{' '}
        {/* No total is known while paging, so the bar moves without claiming a share. */}
        <progress aria-label={`sync of ${s.id} in progress`} />
        {p && (
          <div class="small muted">
            {`${count(p.pages)} page${p.pages === 1 ? '' : 's'} · ${count(p.leadsSeen)} leads · ${count(p.eventsEmitted)} events · ${duration(p.runningMs)}`}
          </div>
        )}
      </div>
    );
  }
  const result = s.lastSync.result;
  const tone: Tone = result === 'ok' ? 'ok' : result === 'error' ? 'bad' : result === 'interrupted' ? 'warn' : 'muted';
  return <Badge tone={tone}>{result === null ? 'not synced yet' : result === 'ok' ? 'ok' : result}</Badge>;
}

function SourcesTable(props: { view: ViewContext; o: Overview }) {
  const { view, o } = props;
  const replicas = view.storage === 'postgres';
  return (
    <div class="panel">
      <table>
        <caption class="visually-hidden">Sources</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">State</th>
            <th scope="col">Last sync</th>
            <th scope="col" class="num">
              Leads
            </th>
            <th scope="col">Last error</th>
            {replicas && <th scope="col">Polled by</th>}
            {view.canWrite && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {o.sources.map((s) => (
            <tr data-source={s.id}>
              <td>
                <strong>{s.id}</strong>
                <div class="small muted">
                  {s.vendor} · every {s.pollInterval}
                </div>
              </td>
              <td>
                <SourceState s={s} />
              </td>
              <td>
                <Ago at={s.lastSync.finishedAt ?? s.lastSync.startedAt} now={o.now} />
                {s.lastSuccessAt && s.lastSync.result !== 'ok' && (
                  <div class="small muted">
                    last success <Ago at={s.lastSuccessAt} now={o.now} />
                  </div>
                )}
              </td>
              <td class="num">
                {count(s.leadCount)}
                {s.deletedLeadCount > 0 && <div class="small muted">{count(s.deletedLeadCount)} deleted</div>}
              </td>
              <td>
                {s.lastError ? (
                  <div>
                    <code class="mono error-text">{s.lastError.code}</code>
                    <div class="small">{s.lastError.message}</div>
                  </div>
                ) : (
                  <span class="muted">none</span>
                )}
                {s.warning && (
                  <div class="warning" role="note">
                    <strong>{s.warning.code}</strong>: {s.warning.message}
                    {s.warning.code === 'deletes_held' && s.heldDeletes > 0 && (
                      <div class="actions">
                        <ActionButton
                          view={view}
                          action={`sources/${seg(s.id)}/release-deletes`}
                          label={`Release ${count(s.heldDeletes)} deletes`}
                          tone="danger"
                          confirm={`Send lead.deleted for the ${s.heldDeletes} leads of ${s.id} the mass-delete guard held? Only do this when they are really gone at the vendor.`}
                        />
                      </div>
                    )}
                  </div>
                )}
              </td>
              {replicas && <td class="mono">{s.owner ?? <span class="muted">none right now</span>}</td>}
              {view.canWrite && (
                <td>
                  {s.enabled && <ActionButton view={view} action={`sources/${seg(s.id)}/sync`} label="Sync now" tone="secondary" ariaLabel={`Sync ${s.id} now`} />}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {o.sources.length === 0 && <p class="muted">No sources are configured.</p>}
    </div>
  );
}

function Health(props: { s: SubscriptionHealthRow; now: number }) {
  const { s } = props;
  if (!s.enabled) {
    return (
      <div>
        <Badge tone="muted">{s.disabledReason ? 'disabled' : 'paused'}</Badge>
        {s.disabledReason && <div class="small muted">{s.disabledReason}</div>}
      </div>
    );
  }
  if (s.failingSince !== null) return <Badge tone="bad">{`failing (${count(s.consecutiveFailures)} in a row)`}</Badge>;
  return <Badge tone="ok">healthy</Badge>;
}

function Rate(props: { w: { attempts: number; succeeded: number } }) {
  const { w } = props;
  const failing = w.attempts > 0 && w.succeeded < w.attempts;
  return (
    <td class="num">
      <span class={failing ? 'error-text' : undefined}>{percent(w.succeeded, w.attempts)}</span>
      <div class="small muted">{`${count(w.attempts)} attempt${w.attempts === 1 ? '' : 's'}`}</div>
    </td>
  );
}

function SubscriptionsTable(props: { view: ViewContext; o: Overview }) {
  const { view, o } = props;
  if (o.subscriptions.length === 0) return <div class="panel muted">No subscriptions yet.</div>;
  return (
    <div class="panel">
      <table>
        <caption class="visually-hidden">Subscriptions</caption>
        <thead>
          <tr>
            <th scope="col">Subscription</th>
            <th scope="col">Health</th>
            <th scope="col">Circuit</th>
            <th scope="col">Failing since</th>
            <th scope="col" class="num">
              Success 1 h
            </th>
            <th scope="col" class="num">
              Success 24 h
            </th>
            <th scope="col" class="num">
              Pending
            </th>
          </tr>
        </thead>
        <tbody>
          {o.subscriptions.map((s) => (
            <tr data-subscription={s.id}>
              <td>
                <a href={url(view, `subscriptions/${seg(s.id)}`)}>{s.id}</a>
                <div class="small muted">
                  {s.host}
                  {s.origin !== 'api' && ` · ${s.origin}`}
                </div>
                {s.description && <div class="small">{s.description}</div>}
              </td>
              <td>
                <Health s={s} now={o.now} />
              </td>
              <td>
                {s.circuit === 'closed' ? (
                  <Badge tone="ok">closed</Badge>
                ) : (
                  <div>
                    <Badge tone={s.circuit === 'open' ? 'bad' : 'warn'}>{s.circuit}</Badge>
                    {s.circuit === 'open' && (
                      <div class="small muted">
                        probe <Ago at={s.circuitOpenUntil} now={o.now} />
                      </div>
                    )}
                  </div>
                )}
              </td>
              <td>{s.failingSince === null ? <span class="muted">—</span> : <Ago at={s.failingSince} now={o.now} />}</td>
              <Rate w={s.hour} />
              <Rate w={s.day} />
              <td class="num">
                {count(s.pending)}
                {s.oldestPendingAt !== null && (
                  <div class="small muted">
                    oldest <Ago at={s.oldestPendingAt} now={o.now} />
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The part of the page that refreshes itself. */
function Live(props: { view: ViewContext; o: Overview }) {
  const { view, o } = props;
  return (
    <div id="overview-live" data-refresh={String(REFRESH_SECONDS)}>
      <p class="updated">
        Updated <time datetime={new Date(o.now).toISOString()}>{new Date(o.now).toISOString().slice(11, 19)} UTC</time>; refreshes every{' '}
        {REFRESH_SECONDS} s.
      </p>
      <h2 id="sources">Sources</h2>
      <SourcesTable view={view} o={o} />
      <h2 id="subscriptions">Subscriptions</h2>
      <SubscriptionsTable view={view} o={o} />
      <h2 id="deliveries">Deliveries, last hour</h2>
      <div class="panel">
        <DeliveryChart buckets={o.chart} />
      </div>
    </div>
  );
}

export const overviewPage: DashboardPage = {
  nav: { label: 'Overview', path: '' },
  register(router, { relay }) {
    router.get('/', async (c) => {
      const view = c.var.view;
      const o = await loadOverview(relay);
      if (fragmentWanted(c) === 'overview-live') return sendPage(c, Live({ view, o }));
      return sendPage(
        c,
        Layout({
          view,
          title: 'Overview',
          children: (
            <>
              <h1>Overview</h1>
              <Live view={view} o={o} />
            </>
          ),
        }),
      );
    });

    router.post(
      '/sources/:id/sync',
      async (c) => {
        const id = c.req.param('id') ?? '';
        const started = await beginSync(relay, id);
        if ('run' in started) {
          started.run.catch(() => {}); // its outcome shows on the page (last sync, last error)
          return { to: '', message: `Sync of ${id} started.` };
        }
        return { to: '', message: `Asked the replica that polls ${id} to sync it now.` };
      },
      { onError: '' },
    );

    router.post(
      '/sources/:id/release-deletes',
      async (c) => {
        const id = c.req.param('id') ?? '';
        const n = await releaseHeldDeletes(relay, id);
        return { to: '', message: `Released ${count(n)} held delete${n === 1 ? '' : 's'} of ${id}.` };
      },
      { onError: '' },
    );
  },
};
