// Small pieces every dashboard page uses: times, badges, figures, and the buttons that POST an
// action (with the session's CSRF token, shown only to sessions that may use them).
import type { Child } from 'hono/jsx';
import { url, type ViewContext } from './view.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "12 s", "4 min", "3 h", "2 d". */
export function duration(ms: number): string {
  const a = Math.abs(ms);
  if (a < MINUTE) return `${Math.round(a / SECOND)} s`;
  if (a < HOUR) return `${Math.round(a / MINUTE)} min`;
  if (a < DAY) return `${Math.round(a / HOUR)} h`;
  return `${Math.round(a / DAY)} d`;
}

const toMs = (t: string | number | null | undefined) => (t === null || t === undefined ? NaN : typeof t === 'number' ? t : Date.parse(t));

/** A point in time as "4 min ago" (or "in 3 s"), the exact UTC time in its title and datetime. */
export function Ago(props: { at: string | number | null | undefined; now: number }) {
  const ms = toMs(props.at);
  if (Number.isNaN(ms)) return <span class="muted">never</span>;
  const iso = new Date(ms).toISOString();
  const diff = props.now - ms;
  return (
    <time datetime={iso} title={iso}>
      {diff >= 0 ? `${duration(diff)} ago` : `in ${duration(diff)}`}
    </time>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'muted';

export function Badge(props: { tone: Tone; children?: Child }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

/** A share as "99.5%", or a dash when there is nothing to divide. */
export function percent(part: number, whole: number): string {
  if (whole === 0) return '—';
  const p = (100 * part) / whole;
  return `${p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export const count = (n: number) => n.toLocaleString('en-US');

/** The hidden field that proves a form came from one of this session's pages. */
export function CsrfField(props: { view: ViewContext }) {
  return <input type="hidden" name="_csrf" value={props.view.csrfToken} />;
}

/**
 * A button that POSTs to a dashboard action (`action`: dashboard-relative path). Not rendered for a
 * read-only session: it could not use it (the server refuses its POSTs too). `confirm`: the
 * question the script asks first.
 */
export function ActionButton(props: {
  view: ViewContext;
  action: string;
  label: string;
  confirm?: string;
  tone?: 'primary' | 'secondary' | 'danger';
  /** An accessible name when the label alone is ambiguous in a table ("Sync now" of which source). */
  ariaLabel?: string;
}) {
  if (!props.view.canWrite) return null;
  const tone = props.tone && props.tone !== 'primary' ? props.tone : undefined;
  return (
    <form class="inline" method="post" action={url(props.view, props.action)} data-confirm={props.confirm}>
      <CsrfField view={props.view} />
      <button type="submit" class={tone} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}
