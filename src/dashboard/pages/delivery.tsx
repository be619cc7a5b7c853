// One delivery (GET /deliveries/:id): the webhook body it sends (pretty JSON, as text), every attempt
// with its time, duration, status, the receiver's response headers and body excerpt, error and next
// attempt, and "retry now" (POST /v1/deliveries/:id/retry's logic). Everything shown came from a
// vendor or a receiver: it is text, escaped by hono/jsx, never markup.
import type { Context } from 'hono';
import type { RelayControl } from '../../api/control.js';
import { retryDelivery } from '../../api/subscription-service.js';
import type { DeliveryView } from '../../store/index.js';
import { ActionButton, Ago, Badge, count } from '../components.js';
import { Layout } from '../layout.js';
import { refuse, type DashboardPage } from '../router.js';
import { seg, sendPage, url, type DashboardEnv, type ViewContext } from '../view.js';
import { statusTone } from './subscription-shared.js';

/** The stored body as indented JSON; as stored when it is not JSON. */
export function prettyBody(body: string | undefined): string {
  if (body === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Attempts(props: { view: ViewContext; d: DeliveryView }) {
  const { view, d } = props;
  if (d.attemptLog.length === 0) return <div class="panel muted">No attempt yet.</div>;
  return (
    <ol class="attempts">
      {[...d.attemptLog].reverse().map((a) => {
        const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300 && a.error === null;
        return (
          <li class="panel" data-attempt={String(a.attempt)}>
            <h3 class="label">
              {`Attempt ${a.attempt}`} <Badge tone={ok ? 'ok' : 'bad'}>{a.statusCode === null ? 'no answer' : `HTTP ${a.statusCode}`}</Badge>{' '}
              {a.trigger === 'manual' && <Badge tone="muted">manual</Badge>}
            </h3>
            <dl class="facts">
              <dt>Started</dt>
              <dd>
                <Ago at={a.startedAt} now={view.now} /> <span class="small muted">{new Date(a.startedAt).toISOString()}</span>
              </dd>
              <dt>Duration</dt>
              <dd>{`${count(a.durationMs)} ms`}</dd>
              <dt>Error</dt>
              <dd>{a.error ? <span class="error-text">{a.error}</span> : <span class="muted">none</span>}</dd>
              <dt>Next attempt</dt>
              <dd>{a.nextAttemptAt === null ? <span class="muted">none planned</span> : <Ago at={a.nextAttemptAt} now={view.now} />}</dd>
            </dl>
            <details open={!ok}>
              <summary>Response</summary>
              <h4 class="label">Headers</h4>
              {a.responseHeaders && a.responseHeaders.length > 0 ? (
                <pre class="code response-headers">{a.responseHeaders.map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
              ) : (
                <p class="muted small">none recorded</p>
              )}
              <h4 class="label">Body (first 1 KiB)</h4>
              {a.responseExcerpt ? <pre class="code response-body">{a.responseExcerpt}</pre> : <p class="muted small">empty</p>}
            </details>
          </li>
        );
      })}
    </ol>
  );
}

async function render(c: Context<DashboardEnv>, relay: RelayControl, d: DeliveryView): Promise<Response> {
  const view = c.var.view;
  const body = await relay.store.deliveries.body(d.id);
  const sub = await relay.store.subscriptions.get(d.subscriptionId);
  return sendPage(
    c,
    Layout({
      view,
      title: `Delivery ${d.id}`,
      children: (
        <>
          <p class="crumbs">
            <a href={url(view, '')}>Overview</a> › <a href={url(view, `subscriptions/${seg(d.subscriptionId)}`)}>{d.subscriptionId}</a> › delivery
          </p>
          <h1>
            <span class="mono">{d.id}</span> <Badge tone={statusTone(d.status)}>{d.status}</Badge>
          </h1>
          <div class="panel">
            <dl class="facts">
              <dt>Subscription</dt>
              <dd>
                <a href={url(view, `subscriptions/${seg(d.subscriptionId)}`)}>{d.subscriptionId}</a>
              </dd>
              <dt>Event</dt>
              <dd>
                <span class="mono">{d.eventId}</span> · {d.eventType}
              </dd>
              <dt>Lead</dt>
              <dd>{d.leadId ? <span class="mono">{`${d.sourceId}/${d.leadId}`}</span> : <span class="muted">—</span>}</dd>
              <dt>Attempts</dt>
              <dd>{count(d.attempts)}</dd>
              <dt>Created</dt>
              <dd>
                <Ago at={d.createdAt} now={view.now} />
              </dd>
              <dt>Next attempt</dt>
              <dd>{d.nextAttemptAt === null ? <span class="muted">none</span> : <Ago at={d.nextAttemptAt} now={view.now} />}</dd>
            </dl>
            {sub?.enabled && (
              <div class="actions">
                <ActionButton
                  view={view}
                  action={`deliveries/${seg(d.id)}/retry`}
                  label="Retry now"
                  confirm={`Send ${d.id} again now (same webhook-id)?`}
                />
              </div>
            )}
            {sub && !sub.enabled && <p class="small muted">The subscription is paused or disabled: resume it to retry.</p>}
          </div>
          <h2 id="body">Webhook body</h2>
          <pre class="code panel webhook-body">{prettyBody(body)}</pre>
          <h2 id="attempts">Attempts</h2>
          <Attempts view={view} d={d} />
        </>
      ),
    }),
  );
}

const idOf = (c: Context) => c.req.param('id') ?? '';

export const deliveryPage: DashboardPage = {
  register(router, { relay }) {
    router.get('/deliveries/:id', async (c) => {
      const d = await relay.store.deliveries.get(idOf(c));
      if (!d) return refuse(c, 404, 'Not found', `There is no delivery "${idOf(c)}" (finished deliveries are deleted after the retention period).`);
      return render(c, relay, d);
    });

    router.post(
      '/deliveries/:id/retry',
      async (c) => {
        await retryDelivery(relay, idOf(c));
        return { to: `deliveries/${seg(idOf(c))}`, message: 'Queued: it is sent again now, with the same webhook-id.' };
      },
      { onError: (c) => `deliveries/${seg(idOf(c))}` },
    );
  },
};
