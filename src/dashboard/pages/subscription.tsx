// One subscription (GET /subscriptions/:id): its health, its settings (an edit form validated by the
// API's own schema), pause/resume, a test ping, its secret (revealed or rotated by an explicit POST,
// shown once on the page that answers it), and its delivery log with filters in the URL, an "older"
// link, a bulk retry of every failed delivery the filter matches (counted, then confirmed) and a
// replay of a time range. Read-only sessions see no secret and no form that changes anything.
import type { Context } from 'hono';
import type { RelayControl } from '../../api/control.js';
import { ApiError } from '../../api/errors.js';
import { replayRequestSchema } from '../../api/routes/subscription-actions.js';
import { updateSubscriptionSchema } from '../../api/routes/subscriptions.js';
import { replayRange } from '../../api/routes/replay.js';
import { changeSubscription, countRetryable, retryFailed, rotateSecret, sendTestPing } from '../../api/subscription-service.js';
import { check } from '../../api/validate.js';
import { subscriptionGuards } from '../../api/routes/subscription-guards.js';
import type { Subscription } from '../../store/index.js';
import { ActionButton, count } from '../components.js';
import { Layout } from '../layout.js';
import { refuse, type DashboardPage } from '../router.js';
import { seg, sendPage, url, type DashboardEnv } from '../view.js';
import {
  fieldErrors,
  loadHealth,
  loadLog,
  logSearch,
  parseLog,
  parseTime,
  readSettingsForm,
  settingsOf,
  settingsPatch,
} from './subscription-data.js';
import { subPath, type Extra } from './subscription-shared.js';
import { HealthPanel, SecretPanel, Settings } from './subscription-panels.js';
import { BulkRetry, LogFilters, LogTable, Replay } from './subscription-log.js';

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
