// The subscription page's delivery log: filters in the URL, the table with an "older" link, the bulk retry
// of every failed delivery the filter matches (counted, then confirmed) and the replay of a time range.
import { MAX_BULK_RETRY } from '../../api/subscription-service.js';
import type { DeliveryView, Subscription } from '../../store/index.js';
import { Ago, Badge, count, CsrfField } from '../components.js';
import { seg, url, type ViewContext } from '../view.js';
import {
  localInput,
  LOG_EVENT_TYPES,
  logSearch,
  STATUSES,
  type LogPage,
  type LogQuery,
  type ParsedLog,
} from './subscription-data.js';
import { describedBy, Field, subPath, statusTone, type Extra } from './subscription-shared.js';

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

export function LogFilters(props: { view: ViewContext; sub: Subscription; log: ParsedLog }) {
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

export function LogTable(props: { view: ViewContext; sub: Subscription; log: ParsedLog; page: LogPage }) {
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

export function BulkRetry(props: { view: ViewContext; sub: Subscription; log: ParsedLog; confirm?: Extra['confirm'] }) {
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

export function Replay(props: { view: ViewContext; sub: Subscription }) {
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

