// Delivery attempts per minute as a server-rendered SVG bar chart: succeeded stacked on failed, one
// bar per minute, with a title, a text summary and a tooltip per bar for screen readers and mice.
import type { MinuteStats } from '../store/index.js';
import { count } from './components.js';

const MINUTE = 60_000;
const W = 720;
const H = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 24 };

/** `minutes` buckets ending with the one `now` is in, filled from the store's sparse rows. */
export function minuteBuckets(rows: readonly MinuteStats[], now: number, minutes: number): MinuteStats[] {
  const last = Math.floor(now / MINUTE) * MINUTE;
  const byMinute = new Map(rows.map((r) => [r.minute, r]));
  return Array.from({ length: minutes }, (_v, i) => {
    const minute = last - (minutes - 1 - i) * MINUTE;
    return byMinute.get(minute) ?? { minute, succeeded: 0, failed: 0 };
  });
}

/** A round upper bound for the y axis: 1, 2, 5, 10, 20, 50, ... */
function niceMax(n: number): number {
  if (n <= 1) return 1;
  const mag = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((f) => f * mag).find((v) => v >= n)!;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

export function DeliveryChart(props: { buckets: readonly MinuteStats[]; id?: string }) {
  const { buckets } = props;
  const id = props.id ?? 'deliveries-chart';
  const ok = buckets.reduce((s, b) => s + b.succeeded, 0);
  const failed = buckets.reduce((s, b) => s + b.failed, 0);
  const peak = Math.max(0, ...buckets.map((b) => b.succeeded + b.failed));
  const top = niceMax(peak);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, slot - 2);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const minutes = buckets.length;
  const summary =
    ok + failed === 0
      ? `No delivery attempts in the last ${minutes} minutes.`
      : `${count(ok)} succeeded and ${count(failed)} failed delivery attempts in the last ${minutes} minutes; the busiest minute had ${count(peak)}.`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} id={id}>
        <title id={`${id}-title`}>Delivery attempts per minute, last {String(minutes)} minutes (UTC)</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <line class="axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
        <line class="axis" x1={PAD.left} x2={W - PAD.right} y1={y(top)} y2={y(top)} />
        <text x={PAD.left - 6} y={y(top) + 4} text-anchor="end">
          {count(top)}
        </text>
        <text x={PAD.left - 6} y={y(0) + 4} text-anchor="end">
          0
        </text>
        {buckets.map((b, i) => {
          if (b.succeeded + b.failed === 0) return null;
          const x = PAD.left + i * slot + 1;
          const hFailed = (b.failed / top) * plotH;
          const hOk = (b.succeeded / top) * plotH;
          return (
            <g>
              <title>{`${hhmm(b.minute)} UTC: ${count(b.succeeded)} succeeded, ${count(b.failed)} failed`}</title>
              {b.failed > 0 && <rect class="failed" x={x.toFixed(1)} y={(y(0) - hFailed).toFixed(1)} width={barW.toFixed(1)} height={hFailed.toFixed(1)} />}
              {b.succeeded > 0 && (
                <rect class="ok" x={x.toFixed(1)} y={(y(0) - hFailed - hOk).toFixed(1)} width={barW.toFixed(1)} height={hOk.toFixed(1)} />
              )}
            </g>
          );
        })}
        {buckets.length > 0 && (
          <>
            <text x={PAD.left} y={H - 6}>
              {hhmm(buckets[0]!.minute)}
            </text>
            <text x={PAD.left + plotW / 2} y={H - 6} text-anchor="middle">
              {hhmm(buckets[Math.floor(buckets.length / 2)]!.minute)}
            </text>
            <text x={W - PAD.right} y={H - 6} text-anchor="end">
              {hhmm(buckets.at(-1)!.minute)}
            </text>
          </>
        )}
      </svg>
      <figcaption class="legend">
        <span>
          <span class="swatch ok" aria-hidden="true" />
          succeeded ({count(ok)})
        </span>
        <span>
          <span class="swatch failed" aria-hidden="true" />
          failed ({count(failed)})
        </span>
      </figcaption>
    </figure>
  );
}
