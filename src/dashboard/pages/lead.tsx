// One lead's timeline (GET /leads/:source/:leadId): its events in that source, newest first, each
// with what changed as a before/after table (field, before, after), the interactions with their
// data, and links to the same lead id in other sources and to the event log filtered by this lead.
import { Ago, count } from '../components.js';
import { Layout } from '../layout.js';
import type { DashboardPage } from '../router.js';
import { refuse } from '../router.js';
import { sendPage, url, type ViewContext } from '../view.js';
import { filterQuery } from './events-data.js';
import { leadPath, TypeBadge } from './events.js';
import { loadLeadTimeline, show, type LeadTimeline, type TimelineEntry } from './lead-data.js';

function Diff(props: { e: TimelineEntry }) {
  const { e } = props;
  if (e.changes.length === 0) return null;
  const created = e.type === 'lead.created';
  return (
    <table class="diff">
      <caption class="visually-hidden">{created ? 'Fields of the new lead' : 'What changed'}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          {!created && <th scope="col">Before</th>}
          <th scope="col">{created ? 'Value' : 'After'}</th>
        </tr>
      </thead>
      <tbody>
        {e.changes.map((c) => (
          <tr data-field={c.path}>
            <th scope="row" class="mono">
              {c.path}
            </th>
            {!created && <td class="before">{c.before}</td>}
            <td class="after">{c.after}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Entry(props: { view: ViewContext; e: TimelineEntry }) {
  const { view, e } = props;
  const d = e.deliveries;
  const total = d.pending + d.succeeded + d.failed;
  return (
    <li class="entry" data-event={e.id}>
      <div class="entry-head">
        <TypeBadge type={e.type} /> <Ago at={e.createdAt} now={view.now} /> <span class="muted">· {e.summary}</span>
        <span class="small muted">
          {' · '}
          {total === 0 ? 'no deliveries' : `${count(d.succeeded)} delivered, ${count(d.pending)} pending, ${count(d.failed)} failed`}
        </span>
        <div class="small muted mono">{e.id}</div>
      </div>
      <Diff e={e} />
      {e.interaction && (
        <div class="interaction">
          <div>
            <strong>{e.interaction.type ?? 'interaction'}</strong>
            {e.interaction.occurredAt && (
              <span class="muted">
                {' '}
                at <Ago at={e.interaction.occurredAt} now={view.now} />
              </span>
            )}
          </div>
          <pre class="mono">{e.interaction.data}</pre>
        </div>
      )}
    </li>
  );
}

const LEAD_FIELDS = ['email', 'phone', 'company', 'status', 'owner.name'] as const;

function Summary(props: { t: LeadTimeline }) {
  const lead = props.t.latest;
  if (!lead) return null;
  const get = (p: string) => p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), lead);
  return (
    <dl class="facts panel">
      {LEAD_FIELDS.map((f) => {
        const v = get(f);
        return (
          <div>
            <dt>{f}</dt>
            <dd>{v === null || v === undefined ? <span class="muted">—</span> : show(v)}</dd>
          </div>
        );
      })}
      {lead.deleted === true && (
        <div>
          <dt>deleted</dt>
          <dd class="error-text">yes</dd>
        </div>
      )}
    </dl>
  );
}

export const leadPage: DashboardPage = {
  register(router, { relay }) {
    router.get('/leads/:source/:leadId', async (c) => {
      const view = c.var.view;
      const sourceId = c.req.param('source') ?? '';
      const leadId = c.req.param('leadId') ?? '';
      if (!relay.sources.some((s) => s.id === sourceId)) return refuse(c, 404, 'Unknown source', `No source is called "${sourceId}".`);
      const beforeRaw = c.req.query('before');
      const before = beforeRaw && /^[1-9]\d{0,14}$/.test(beforeRaw) ? Number(beforeRaw) : undefined;
      const t = await loadLeadTimeline(relay, sourceId, leadId, before);
      const name = typeof t.latest?.name === 'string' && t.latest.name !== '' ? t.latest.name : null;
      const here = leadPath(sourceId, leadId);
      return sendPage(
        c,
        Layout({
          view,
          title: `Lead ${name ?? leadId}`,
          children: (
            <>
              <p class="crumbs small">
                <a href={url(view, 'events')}>Events</a> ›{' '}
                <a href={`${url(view, 'events')}${filterQuery({ source: sourceId, lead: leadId })}`}>events of this lead</a>
                {' · '}
                <a href={`${url(view, 'events')}${filterQuery({ lead: leadId })}`}>this lead id in every source</a>
              </p>
              <h1 class="lead-name">{name ?? leadId}</h1>
              <p class="muted">
                Lead <code class="mono">{leadId}</code> of source <strong>{sourceId}</strong>
                {t.otherSources.length > 0 && (
                  <span>
                    {' · also in '}
                    {t.otherSources.map((s, i) => (
                      <>
                        {i > 0 && ', '}
                        <a href={url(view, leadPath(s, leadId))}>{s}</a>
                      </>
                    ))}
                  </span>
                )}
              </p>
              <Summary t={t} />
              <h2>Timeline</h2>
              {t.entries.length === 0 ? (
                <p class="panel muted">No events of this lead in {sourceId}{before !== undefined ? ' before this point' : ''}.</p>
              ) : (
                <ol class="timeline" aria-label="Events of this lead, newest first">
                  {t.entries.map((e) => (
                    <Entry view={view} e={e} />
                  ))}
                </ol>
              )}
              {(t.older !== null || before !== undefined) && (
                <nav class="pager" aria-label="Pages">
                  {before !== undefined && <a href={url(view, here)}>Newest</a>}
                  {t.older !== null && (
                    <a href={`${url(view, here)}?before=${t.older}`} rel="next">
                      Older →
                    </a>
                  )}
                </nav>
              )}
            </>
          ),
        }),
      );
    });
  },
};
