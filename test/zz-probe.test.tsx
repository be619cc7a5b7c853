import { it } from 'vitest';
import { DeliveryChart, minuteBuckets } from '../src/dashboard/chart.js';
import { Layout } from '../src/dashboard/layout.js';
it('renders', async () => {
  const now = Date.now();
  console.log(String(await (<DeliveryChart buckets={minuteBuckets([{ minute: Math.floor(now/60000)*60000, succeeded: 3, failed: 1 }], now, 3)} />)));
  const view: any = { root: './', path: '/', caller: { name: 'a<b', scopes: ['admin'] }, canWrite: true, csrfToken: 'x"y', storage: 'sqlite', replicaId: 'r', now, nav: [{ label: 'Overview', path: '' }], flash: { kind: 'ok', text: '<script>' } };
  console.log(String(await (<Layout view={view} title="T"><p>hi</p></Layout>)));
});
