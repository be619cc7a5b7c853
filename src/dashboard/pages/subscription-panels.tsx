// The subscription page's panels: health, the settings form (validated by the API's own schema) and the signing secret.
import type { RelayControl } from '../../api/control.js';
import { presentSubscription } from '../../api/present.js';
import type { Subscription } from '../../store/index.js';
import { ActionButton, Ago, Badge, count, CsrfField, percent } from '../components.js';
import { url, type ViewContext } from '../view.js';
import { type SettingsForm, type SubscriptionHealth } from './subscription-data.js';
import { describedBy, Field, subPath, type Extra } from './subscription-shared.js';

export function HealthPanel(props: { sub: Subscription; h: SubscriptionHealth; now: number }) {
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

export function Settings(props: { view: ViewContext; relay: RelayControl; sub: Subscription; form: SettingsForm; errors: Record<string, string> }) {
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

export function SecretPanel(props: { view: ViewContext; sub: Subscription; secret?: Extra['secret'] }) {
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

