// The event log (GET /events): every detected change and test ping, newest first, filtered by
// source, type, lead id and time, paged newer/older by seq. Every filter and the page are in the
// URL (a GET form), so a view can be bookmarked and shared. Each row links to its lead's timeline
// and says briefly how its deliveries stand.
import { EVENT_LOG_TYPES } from '../../api/routes/events.js';
import { Ago, Badge, count, type Tone } from '../components.js';
import { Layout } from '../layout.js';
import type { DashboardPage } from '../router.js';
import { seg, sendPage, url, type ViewContext } from '../view.js';
import { filterQuery, loadEventPage, readFilters, type EventFilters, type EventPage, type EventRowView, type FilterProblem } from './events-data.js';

const TYPE_TONE: Record<string, Tone> = {
  'lead.created': 'ok',
  'lead.updated': 'warn',
  'lead.deleted': 'bad',
};

export function TypeBadge(props: { type: string }) {
  return <Badge tone={TYPE_TONE[props.type] ?? 'muted'}>{props.type}</Badge>;
}

/** The lead page of a lead: dashboard-relative path. */
export const leadPath = (sourceId: string, leadId: string) => `leads/${seg(sourceId)}/${seg(leadId)}`;

function Deliveries(props: { d: EventRowView['deliveries'] }) {
  const { d } = props;
  if (d.pending + d.succeeded + d.failed === 0) return <span class="muted">none</span>;
  return (
    <span class="delivery-states">
      {d.succeeded > 0 && <Badge tone="ok">{`${count(d.succeeded)} delivered`}</Badge>}
      {d.pending > 0 && <Badge tone="warn">{`${count(d.pending)} pending`}</Badge>}
      {d.failed > 0 && <Badge tone="bad">{`${count(d.failed)} failed`}</Badge>}
    </span>
  );
}

function Filters(props: { view: ViewContext; f: EventFilters; sources: readonly string[]; problems: FilterProblem[] }) {
  const { view, f, sources, problems } = props;
  const bad = (field: string) => problems.find((p) => p.field === field);
  const described = (field: string) => (bad(field) ? `${field}-problem` : undefined);
  return (
    <form class="filters panel" method="get" action={url(view, 'events')} role="search" aria-label="Filter events">
      <div class="field">
        <label for="f-source">Source</label>
        <select id="f-source" name="source" aria-describedby={described('source')}>
          <option value="">all sources</option>
          {sources.map((s) => (
            <option value={s} selected={f.source === s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-type">Type</label>
        <select id="f-type" name="type" aria-describedby={described('type')}>
          <option value="">all types</option>
          {EVENT_LOG_TYPES.map((t) => (
            <option value={t} selected={f.type === t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-lead">Lead id</label>
        <input id="f-lead" name="lead" type="text" value={f.lead ?? ''} maxlength={512} autocomplete="off" aria-describedby={described('lead')} />
      </div>
      <div class="field">
        <label for="f-since">From (UTC)</label>
        <input id="f-since" name="since" type="datetime-local" step="1" value={f.since ?? ''} aria-describedby={described('since')} />
      </div>
      <div class="field">
        <label for="f-until">Until (UTC)</label>
        <input id="f-until" name="until" type="datetime-local" step="1" value={f.until ?? ''} aria-describedby={described('until')} />
      </div>
      <div class="field buttons">
        <button type="submit">Filter</button>
        <a class="button secondary" href={url(view, 'events')}>
          Clear
        </a>
      </div>
      {problems.length > 0 && (
        <ul class="problems" role="alert">
          {problems.map((p) => (
            <li id={`${p.field}-problem`}>
              <strong>{p.field}</strong> {p.message}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

export function EventsTable(props: { view: ViewContext; rows: EventRowView[]; showLead?: boolean; caption: string }) {
  const { view, rows } = props;
  const showLead = props.showLead ?? true;
  return (
    <table class="events">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Type</th>
          <th scope="col">Source</th>
          {showLead && <th scope="col">Lead</th>}
          <th scope="col">What</th>
          <th scope="col">Deliveries</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr data-event={r.id} data-seq={String(r.seq)}>
            <td>
              <Ago at={r.createdAt} now={view.now} />
              <div class="small muted mono">{r.id}</div>
            </td>
            <td>
              <TypeBadge type={r.type} />
            </td>
            <td>{r.sourceId ?? <span class="muted">—</span>}</td>
            {showLead && (
              <td class="lead-cell">
                {r.sourceId !== null && r.leadId !== null ? (
                  <a href={url(view, leadPath(r.sourceId, r.leadId))}>{r.leadName ?? r.leadId}</a>
                ) : (
                  <span class="muted">—</span>
                )}
                {r.leadName !== null && <div class="small muted mono">{r.leadId}</div>}
              </td>
            )}
            <td class="summary">{r.summary}</td>
            <td>
              <Deliveries d={r.deliveries} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Pager(props: { view: ViewContext; f: EventFilters; page: EventPage; base: string }) {
  const { view, f, page, base } = props;
  const cursor = f.before !== undefined || f.after !== undefined;
  if (!cursor && page.older === null) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {cursor && <a href={`${url(view, base)}${filterQuery(f)}`}>Newest</a>}
      {page.newer !== null && (
        <a href={`${url(view, base)}${filterQuery(f, { after: page.newer })}`} rel="prev">
          ← Newer
        </a>
      )}
      {page.older !== null && (
        <a href={`${url(view, base)}${filterQuery(f, { before: page.older })}`} rel="next">
          Older →
        </a>
      )}
    </nav>
  );
}

export const eventsPage: DashboardPage = {
  nav: { label: 'Events', path: 'events' },
  register(router, { relay }) {
    router.get('/events', async (c) => {
      const view = c.var.view;
      const sources = relay.sources.map((s) => s.id);
      const { filters, problems } = readFilters(c.req.query(), sources);
      const page = await loadEventPage(relay, filters);
      const narrowed = filters.source || filters.type || filters.lead || filters.since || filters.until;
      return sendPage(
        c,
        Layout({
          view,
          title: 'Events',
          children: (
            <>
              <h1>Events</h1>
              <Filters view={view} f={filters} sources={sources} problems={problems} />
              <div class="panel">
                <p class="updated">
                  {page.rows.length === 0
                    ? narrowed
                      ? 'No event matches these filters.'
                      : 'No events yet.'
                    : `${count(page.rows.length)} event${page.rows.length === 1 ? '' : 's'}${narrowed ? ' matching the filters' : ''}, newest first.`}
                </p>
                {page.rows.length > 0 && <EventsTable view={view} rows={page.rows} caption="Events" />}
                <Pager view={view} f={filters} page={page} base="events" />
              </div>
            </>
          ),
        }),
        problems.length ? 400 : 200,
      );
    });
  },
};
