// One subscription (GET /subscriptions/:id): its health, its settings (an edit form validated by the
// API's own schema), pause/resume, a test ping, its secret (revealed or rotated by an explicit POST,
// shown once on the page that answers it), and its delivery log with filters in the URL, an "older"
// link, a bulk retry of every failed delivery the filter matches (counted, then confirmed) and a
// replay of a time range. Read-only sessions see no secret and no form that changes anything.
import type { Context } from 'hono';
import type { RelayControl } from '../../api/control.js';
import { ApiError } from '../../api/errors.js';
import { presentSubscription } from '../../api/present.js';
import { replayRequestSchema } from '../../api/routes/subscription-actions.js';
import { updateSubscriptionSchema } from '../../api/routes/subscriptions.js';
import { replayRange } from '../../api/routes/replay.js';
import { changeSubscription, countRetryable, MAX_BULK_RETRY, retryFailed, rotateSecret, sendTestPing } from '../../api/subscription-service.js';
import { check } from '../../api/validate.js';
import { subscriptionGuards } from '../../api/routes/subscription-guards.js';
import type { DeliveryView, Subscription } from '../../store/index.js';
import { ActionButton, Ago, Badge, count, CsrfField, percent, type Tone } from '../components.js';
import { Layout } from '../layout.js';
import { refuse, type DashboardPage } from '../router.js';
import { seg, sendPage, url, type DashboardEnv, type ViewContext } from '../view.js';
import {
  fieldErrors,
  loadHealth,
  loadLog,
  localInput,
  LOG_EVENT_TYPES,
  logSearch,
  parseLog,
  parseTime,
  readSettingsForm,
  settingsOf,
  settingsPatch,
  STATUSES,
  type LogPage,
  type LogQuery,
  type ParsedLog,
  type SettingsForm,
  type SubscriptionHealth,
} from './subscription-data.js';

const subPath = (id: string, rest = '') => `subscriptions/${seg(id)}${rest}`;

export function statusTone(status: string): Tone {
  return status === 'succeeded' ? 'ok' : status === 'failed' ? 'bad' : 'warn';
}

/** What a POST answered with a page (not a redirect) shows on top of the subscription. */
interface Extra {
  status?: 200 | 400;
  settings?: SettingsForm;
  settingsErrors?: Record<string, string>;
  /** A secret shown once: on the answer to the POST that revealed or made it, never in a URL. */
  secret?: { title: string; value: string; note: string };
  confirm?: { count: number; log: ParsedLog; failedBy: number };
}

function Field(props: { id: string; label: string; error?: string; hint?: string; children?: unknown }) {
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children as never}
      {props.hint && (
        <div class="small muted" id={`${props.id}-hint`}>
          {props.hint}
        </div>
      )}
      {props.error && (
        <div class="error-text small" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

const describedBy = (id: string, error?: string, hint?: string) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

function HealthPanel(props: { sub: Subscription; h: SubscriptionHealth; now: number }) {
  const { sub, h, now } = props;
  const rate = (w: { attempts: number; succeeded: number }) => `${percent(w.succeeded, w.attempts)} of ${count(w.attempts)} attempt${w.attempts === 1 ? '' : 's'}`;
  return (
    <div class="panel">
      <dl class="facts">
        <dt>State</dt>
        <dd>
          {!sub.enabled ? (
            <>
              <Badge tone="muted">{sub.disabledReason === 'disabled through the API' ? 'paused' : 'disabled'}</Badge>
              {sub.disabledReason && <span class="small muted"> {sub.disabledReason}</span>}
            </>
          ) : sub.failingSince !== null ? (
            <Badge tone="bad">{`failing (${count(sub.consecutiveFailures)} in a row)`}</Badge>
          ) : (
            <Badge tone="ok">healthy</Badge>
          )}
        </dd>
        <dt>Circuit</dt>
        <dd>
          <Badge tone={h.circuit === 'closed' ? 'ok' : h.circuit === 'open' ? 'bad' : 'warn'}>{h.circuit}</Badge>
          {h.circuit === 'open' && (
            <span class="small muted">
              {' '}
              probe <Ago at={sub.circuitOpenUntil} now={now} />
            </span>
          )}
        </dd>
        <dt>Failing since</dt>
        <dd>{sub.failingSince === null ? <span class="muted">—</span> : <Ago at={sub.failingSince} now={now} />}</dd>
        <dt>Success, last hour</dt>
        <dd>{rate(h.hour)}</dd>
        <dt>Success, last 24 h</dt>
        <dd>{rate(h.day)}</dd>
        <dt>Pending</dt>
        <dd>
          {count(h.pending)}
          {h.oldestPendingAt !== null && (
            <span class="small muted">
              {' '}
              oldest <Ago at={h.oldestPendingAt} now={now} />
            </span>
          )}
        </dd>
      </dl>
    </div>
  );
}

function Settings(props: { view: ViewContext; relay: RelayControl; sub: Subscription; form: SettingsForm; errors: Record<string, string> }) {
  const { view, relay, sub, form, errors } = props;
  const shown = presentSubscription(sub, view.now, relay.fingerprintKey);
  const headers = Object.entries(shown.headers);
  const headerList = (
    <div>
      <h3 class="label">Static headers</h3>
      {headers.length === 0 ? (
        <p class="muted small">none</p>
      ) : (
        <ul class="plain mono">
          {headers.map(([k, v]) => (
            <li>
              {k}: {v}
            </li>
          ))}
        </ul>
      )}
      <p class="small muted">Values are secrets: shown as a fingerprint, set through the API or the config file.</p>
    </div>
  );
  if (!view.canWrite || sub.origin === 'config') {
    return (
      <div class="panel">
        {sub.origin === 'config' && <p class="small muted">Defined in the config file: change it there (pause and resume work here).</p>}
        <dl class="facts">
          <dt>URL</dt>
          <dd class="mono">{shown.url}</dd>
          <dt>Events</dt>
          <dd>{sub.events.join(', ')}</dd>
          <dt>Sources</dt>
          <dd>{sub.sources ? sub.sources.join(', ') : 'all'}</dd>
          <dt>Description</dt>
          <dd>{sub.description ?? <span class="muted">none</span>}</dd>
        </dl>
        {headerList}
      </div>
    );
  }
  const sources = relay.sources.map((s) => s.id);
  return (
    <form class="panel form" method="post" action={url(view, subPath(sub.id, '/settings'))} novalidate>
      <CsrfField view={view} />
      {errors[''] && (
        <p class="error-text" role="alert">
          {errors['']}
        </p>
      )}
      <Field id="url" label="URL" error={errors.url} hint="Moving it to another host drops the static headers.">
        <input
          type="url"
          id="url"
          name="url"
          value={form.url}
          required
          aria-invalid={errors.url ? 'true' : undefined}
          aria-describedby={describedBy('url', errors.url, 'hint')}
        />
      </Field>
      <Field id="events" label="Events" error={errors.events} hint="Comma separated: lead.created, lead.*, * (all) ...">
        <input
          type="text"
          id="events"
          name="events"
          value={form.events}
          aria-invalid={errors.events ? 'true' : undefined}
          aria-describedby={describedBy('events', errors.events, 'hint')}
        />
      </Field>
      <fieldset class={`field${errors.sources ? ' invalid' : ''}`} aria-describedby={errors.sources ? 'sources-error' : 'sources-hint'}>
        <legend>Sources</legend>
        {sources.map((s) => (
          <label class="check">
            <input type="checkbox" name="sources" value={s} checked={form.sources.includes(s)} /> {s}
          </label>
        ))}
        {form.sources
          .filter((s) => !sources.includes(s))
          .map((s) => (
            <label class="check">
              <input type="checkbox" name="sources" value={s} checked /> {s} <span class="small muted">(not configured)</span>
            </label>
          ))}
        <div class="small muted" id="sources-hint">
          None ticked: every source.
        </div>
        {errors.sources && (
          <div class="error-text small" id="sources-error" role="alert">
            {errors.sources}
          </div>
        )}
      </fieldset>
      <Field id="description" label="Description" error={errors.description}>
        <textarea id="description" name="description" rows={2} aria-invalid={errors.description ? 'true' : undefined} aria-describedby={describedBy('description', errors.description)}>
          {form.description}
        </textarea>
      </Field>
      {headerList}
      <button type="submit">Save settings</button>
    </form>
  );
}

function SecretPanel(props: { view: ViewContext; sub: Subscription; secret?: Extra['secret'] }) {
  const { view, sub, secret } = props;
  if (!view.canWrite) return null;
  return (
    <div class="panel">
      {secret ? (
        <div class="secret" role="status">
          <h3 class="label">{secret.title}</h3>
          <p>
            <code class="mono" id="secret-value">
              {secret.value}
            </code>
          </p>
          <p class="small muted">{secret.note}</p>
        </div>
      ) : (
        <p class="small muted">The signing secret is not shown unless you ask; it is shown once, on the page that answers.</p>
      )}
      <div class="actions">
        <ActionButton view={view} action={subPath(sub.id, '/secret')} label="Reveal secret" tone="secondary" />
        {sub.origin !== 'config' && (
          <ActionButton
            view={view}
            action={subPath(sub.id, '/rotate-secret')}
            label="Rotate secret"
            tone="danger"
            confirm={`Make a new signing secret for ${sub.id}? The current one keeps signing alongside it for the grace period.`}
          />
        )}
      </div>
    </div>
  );
}

function FilterHidden(props: { query: LogQuery; withStatus?: boolean }) {
  const { query } = props;
  return (
    <>
      {props.withStatus && query.status && <input type="hidden" name="status" value={query.status} />}
      {query.type && <input type="hidden" name="type" value={query.type} />}
      {query.lead && <input type="hidden" name="lead" value={query.lead} />}
      {query.from && <input type="hidden" name="from" value={query.from} />}
      {query.to && <input type="hidden" name="to" value={query.to} />}
    </>
  );
}

function LogFilters(props: { view: ViewContext; sub: Subscription; log: ParsedLog }) {
  const { view, sub, log } = props;
  const q = log.query;
  const e = log.errors;
  return (
    <form class="panel filters" method="get" action={url(view, subPath(sub.id))} aria-label="Filter deliveries">
      <Field id="f-status" label="Status" error={e.status}>
        <select id="f-status" name="status" aria-describedby={describedBy('f-status', e.status)}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option value={s} selected={q.status === s}>
              {s}
            </option>
          ))}
        </select>
      </Field>
      <Field id="f-type" label="Event type" error={e.type}>
        <select id="f-type" name="type" aria-describedby={describedBy('f-type', e.type)}>
          <option value="">any</option>
          {LOG_EVENT_TYPES.map((t) => (
            <option value={t} selected={q.type === t}>
              {t}
            </option>
          ))}
        </select>
      </Field>
      <Field id="f-lead" label="Lead id" error={e.lead}>
        <input type="text" id="f-lead" name="lead" value={q.lead} />
      </Field>
      <Field id="f-from" label="From (UTC)" error={e.from}>
        <input type="datetime-local" id="f-from" name="from" value={q.from} aria-describedby={describedBy('f-from', e.from)} />
      </Field>
      <Field id="f-to" label="To (UTC)" error={e.to}>
        <input type="datetime-local" id="f-to" name="to" value={q.to} aria-describedby={describedBy('f-to', e.to)} />
      </Field>
      <div class="field buttons">
        <button type="submit">Filter</button> <a href={url(view, subPath(sub.id))}>Clear</a>
      </div>
    </form>
  );
}

function LastOutcome(props: { d: DeliveryView }) {
  const { d } = props;
  if (d.lastStatusCode === null && d.lastError === null) return <span class="muted">—</span>;
  return (
    <div>
      {d.lastStatusCode !== null && <code class="mono">{String(d.lastStatusCode)}</code>}
      {d.lastError && <div class="small error-text">{d.lastError}</div>}
    </div>
  );
}

function LogTable(props: { view: ViewContext; sub: Subscription; log: ParsedLog; page: LogPage }) {
  const { view, sub, log, page } = props;
  if (page.rows.length === 0) return <div class="panel muted">No deliveries match.</div>;
  return (
    <div class="panel">
      <table>
        <caption class="visually-hidden">Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Delivery</th>
            <th scope="col">Event</th>
            <th scope="col">Lead</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col">Last answer</th>
            <th scope="col">Created</th>
            <th scope="col">Next attempt</th>
          </tr>
        </thead>
        <tbody>
          {page.rows.map((d) => (
            <tr data-delivery={d.id}>
              <td>
                <a class="mono" href={url(view, `deliveries/${seg(d.id)}`)}>
                  {d.id}
                </a>
              </td>
              <td>{d.eventType}</td>
              <td>{d.leadId ? <span class="mono">{`${d.sourceId}/${d.leadId}`}</span> : <span class="muted">—</span>}</td>
              <td>
                <Badge tone={statusTone(d.status)}>{d.status}</Badge>
              </td>
              <td class="num">{count(d.attempts)}</td>
              <td>
                <LastOutcome d={d} />
              </td>
              <td>
                <Ago at={d.createdAt} now={view.now} />
              </td>
              <td>{d.nextAttemptAt === null ? <span class="muted">—</span> : <Ago at={d.nextAttemptAt} now={view.now} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.older && (
        <p>
          <a rel="next" href={`${url(view, subPath(sub.id))}${logSearch(log.query, { before: page.older })}`}>
            Older deliveries
          </a>
        </p>
      )}
    </div>
  );
}

function BulkRetry(props: { view: ViewContext; sub: Subscription; log: ParsedLog; confirm?: Extra['confirm'] }) {
  const { view, sub, log, confirm } = props;
  if (!view.canWrite) return null;
  if (confirm) {
    return (
      <div class="panel confirm" role="region" aria-labelledby="bulk-confirm">
        <h3 id="bulk-confirm" class="label">
          Retry failed deliveries
        </h3>
        {confirm.count === 0 ? (
          <p>No failed delivery matches this filter.</p>
        ) : confirm.count > MAX_BULK_RETRY ? (
          <p class="error-text">{`More than ${count(MAX_BULK_RETRY)} failed deliveries match: narrow the filter.`}</p>
        ) : (
          <form method="post" action={url(view, subPath(sub.id, '/retry-failed/confirm'))}>
            <CsrfField view={view} />
            <FilterHidden query={confirm.log.query} withStatus />
            <input type="hidden" name="failedBy" value={String(confirm.failedBy)} />
            <p>
              <strong id="bulk-count">{count(confirm.count)}</strong>
              {` failed deliver${confirm.count === 1 ? 'y matches' : 'ies match'} this filter. Send ${confirm.count === 1 ? 'it' : 'each'} again now (one more attempt)?`}
            </p>
            <button type="submit">{`Re-queue ${count(confirm.count)}`}</button> <a href={`${url(view, subPath(sub.id))}${logSearch(confirm.log.query)}`}>Cancel</a>
          </form>
        )}
      </div>
    );
  }
  return (
    <form class="inline" method="post" action={url(view, subPath(sub.id, '/retry-failed'))}>
      <CsrfField view={view} />
      <FilterHidden query={log.query} withStatus />
      <button type="submit" class="secondary">
        Retry every failed delivery matching this filter…
      </button>
    </form>
  );
}

function Replay(props: { view: ViewContext; sub: Subscription }) {
  const { view, sub } = props;
  if (!view.canWrite) return null;
  return (
    <form class="panel filters" method="post" action={url(view, subPath(sub.id, '/replay'))} aria-label="Replay a time range">
      <CsrfField view={view} />
      <Field id="r-since" label="Since (UTC)">
        <input type="datetime-local" id="r-since" name="since" required value={localInput(view.now - 3_600_000)} />
      </Field>
      <Field id="r-until" label="Until (UTC, empty: now)">
        <input type="datetime-local" id="r-until" name="until" />
      </Field>
      <div class="field buttons">
        <button type="submit" class="secondary" data-confirm={`Send every event of that range that ${sub.id} selects again (same webhook-ids)?`}>
          Replay range
        </button>
      </div>
    </form>
  );
}

async function render(c: Context<DashboardEnv>, relay: RelayControl, sub: Subscription, extra: Extra = {}): Promise<Response> {
  const view = c.var.view;
  const log = extra.confirm?.log ?? parseLog(c.req.query());
  const [health, page] = await Promise.all([loadHealth(relay, sub, view.now), loadLog(relay, sub, log)]);
  return sendPage(
    c,
    Layout({
      view,
      title: `Subscription ${sub.id}`,
      children: (
        <>
          <p class="crumbs">
            <a href={url(view, '')}>Overview</a> › subscription
          </p>
          <h1>
            <span class="mono">{sub.id}</span>
          </h1>
          {sub.description && <p>{sub.description}</p>}
          <div class="actions">
            {sub.enabled ? (
              <ActionButton view={view} action={subPath(sub.id, '/pause')} label="Pause" tone="secondary" confirm={`Pause ${sub.id}? Nothing is sent to it until it is resumed.`} />
            ) : (
              <ActionButton view={view} action={subPath(sub.id, '/resume')} label="Resume" />
            )}
            {sub.enabled && <ActionButton view={view} action={subPath(sub.id, '/test')} label="Send test ping" tone="secondary" />}
          </div>
          <h2 id="health">Health</h2>
          <HealthPanel sub={sub} h={health} now={view.now} />
          <h2 id="settings">Settings</h2>
          <Settings view={view} relay={relay} sub={sub} form={extra.settings ?? settingsOf(sub)} errors={extra.settingsErrors ?? {}} />
          {view.canWrite && (
            <>
              <h2 id="secret">Signing secret</h2>
              <SecretPanel view={view} sub={sub} secret={extra.secret} />
            </>
          )}
          <h2 id="deliveries">Deliveries</h2>
          <LogFilters view={view} sub={sub} log={log} />
          <div class="toolbar">
            <BulkRetry view={view} sub={sub} log={log} confirm={extra.confirm} />
          </div>
          <LogTable view={view} sub={sub} log={log} page={page} />
          {view.canWrite && (
            <>
              <h2 id="replay">Replay a time range</h2>
              <Replay view={view} sub={sub} />
            </>
          )}
        </>
      ),
    }),
    extra.status ?? 200,
  );
}

const idOf = (c: Context) => c.req.param('id') ?? '';
const backToSubscription = (c: Context) => subPath(idOf(c));

export const subscriptionPage: DashboardPage = {
  register(router, { relay }) {
    const guards = subscriptionGuards(relay);
    const find = async (c: Context) => relay.store.subscriptions.get(idOf(c));

    router.get('/subscriptions/:id', async (c) => {
      const sub = await find(c);
      if (!sub) return refuse(c, 404, 'Not found', `There is no subscription "${idOf(c)}".`);
      return render(c, relay, sub);
    });

    router.post(
      '/subscriptions/:id/settings',
      async (c, form) => {
        const current = await guards.requireSubscription(idOf(c));
        const typed = readSettingsForm(form, await c.req.parseBody({ all: true }));
        const patch = settingsPatch(current, typed);
        if (Object.keys(patch).length === 0) return { to: backToSubscription(c), message: 'Nothing changed.' };
        try {
          await changeSubscription(relay, current, check(updateSubscriptionSchema, patch, 'body'));
        } catch (err) {
          // Refused input goes back to the form, each message beside its field (the API's wording).
          if (err instanceof ApiError && err.status === 400 && err.details.length > 0) {
            c.header('cache-control', 'no-store');
            return render(c, relay, current, { status: 400, settings: typed, settingsErrors: fieldErrors(err.details) });
          }
          throw err;
        }
        return { to: backToSubscription(c), message: 'Settings saved.' };
      },
      { onError: backToSubscription },
    );

    for (const [action, enabled] of [
      ['pause', false],
      ['resume', true],
    ] as const) {
      router.post(
        `/subscriptions/:id/${action}`,
        async (c) => {
          const current = await guards.requireSubscription(idOf(c));
          await changeSubscription(relay, current, { enabled });
          return { to: backToSubscription(c), message: enabled ? `${current.id} resumed.` : `${current.id} paused: nothing is sent to it until it is resumed.` };
        },
        { onError: backToSubscription },
      );
    }

    router.post(
      '/subscriptions/:id/test',
      async (c) => {
        const { deliveryId } = await sendTestPing(relay, idOf(c));
        return { to: `deliveries/${seg(deliveryId)}`, message: 'Test ping queued.' };
      },
      { onError: backToSubscription },
    );

    // The secret goes into this answer's body only: not a redirect (a flash cookie or a URL would
    // carry it), and pages are never cached (sendPage: Cache-Control no-store).
    router.post(
      '/subscriptions/:id/secret',
      async (c) => {
        const sub = await guards.requireSubscription(idOf(c));
        return render(c, relay, sub, {
          secret: { title: 'Current signing secret', value: sub.secret, note: 'Shown on this page only: reloading the subscription hides it again.' },
        });
      },
      { onError: backToSubscription },
    );

    router.post(
      '/subscriptions/:id/rotate-secret',
      async (c) => {
        const rotated = await rotateSecret(relay, idOf(c));
        const sub = await guards.requireSubscription(rotated.id);
        return render(c, relay, sub, {
          secret: {
            title: 'New signing secret',
            value: rotated.secret,
            note: `Shown once: copy it to the receiver now. The previous secret keeps signing alongside it until ${rotated.previousSecretExpiresAt}.`,
          },
        });
      },
      { onError: backToSubscription },
    );

    // Bulk retry, step one: count what the filter matches and ask. The count is of deliveries that
    // had failed by now; the confirmation carries that time, so it re-queues exactly those.
    router.post(
      '/subscriptions/:id/retry-failed',
      async (c, form) => {
        const sub = await guards.requireSubscription(idOf(c));
        const log = parseLog(form);
        if (Object.keys(log.errors).length) throw new ApiError(400, 'invalid_request', Object.entries(log.errors).map(([k, v]) => `${k}: ${v}`).join('; '));
        const failedBy = relay.clock.now();
        const { status: _status, ...filter } = log.filter;
        const n = await countRetryable(relay, sub.id, filter, failedBy);
        return render(c, relay, sub, { confirm: { count: n, log, failedBy } });
      },
      { onError: backToSubscription },
    );

    router.post(
      '/subscriptions/:id/retry-failed/confirm',
      async (c, form) => {
        const log = parseLog(form);
        const failedBy = Number(form.failedBy);
        if (Object.keys(log.errors).length || !Number.isSafeInteger(failedBy) || failedBy <= 0) {
          throw new ApiError(400, 'invalid_request', 'This confirmation is not one this dashboard made; start the retry again.');
        }
        const { status: _status, ...filter } = log.filter;
        const n = await retryFailed(relay, idOf(c), filter, failedBy);
        return { to: `${backToSubscription(c)}${logSearch(log.query)}`, message: `${count(n)} deliver${n === 1 ? 'y' : 'ies'} re-queued.` };
      },
      { onError: backToSubscription },
    );

    router.post(
      '/subscriptions/:id/replay',
      async (c, form) => {
        const sub = await guards.requireSubscription(idOf(c));
        const toIso = (field: string, v: unknown) => {
          if (typeof v !== 'string' || v.trim() === '') return undefined;
          const t = parseTime(v);
          if (typeof t === 'string') throw new ApiError(400, 'invalid_request', `${field}: ${t}`, [{ field, message: t }]);
          return new Date(t).toISOString();
        };
        const since = toIso('since', form.since);
        const until = toIso('until', form.until);
        if (since === undefined) throw new ApiError(400, 'invalid_request', 'since: is required', [{ field: 'since', message: 'is required' }]);
        const body = check(replayRequestSchema, { since, ...(until ? { until } : {}) }, 'body');
        const r = await replayRange(relay, sub, body.since, body.until ?? relay.clock.now() + 1);
        return { to: backToSubscription(c), message: `Replay: ${count(r.matched)} event${r.matched === 1 ? '' : 's'} in that range selected, ${count(r.queued)} queued again.` };
      },
      { onError: backToSubscription },
    );
  },
};
