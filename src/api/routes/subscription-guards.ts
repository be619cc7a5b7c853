// Checks shared by the subscription routes: it exists, its sources exist, its URL may be reached.
import type { RelayControl } from '../control.js';
import { checkTargetUrl } from '../../delivery/target-safety.js';
import { ApiError, notFound } from '../errors.js';

export function subscriptionGuards(relay: RelayControl) {
  return {
    requireSubscription(id: string) {
      const sub = relay.store.subscriptions.get(id);
      if (!sub) throw notFound('subscription', id);
      return sub;
    },

    checkSources(sources: string[] | null | undefined) {
      if (!sources) return;
      const known = new Set(relay.sources.map((s) => s.id));
      const details = sources.flatMap((s, i) => (known.has(s) ? [] : [{ field: `sources[${i}]`, message: 'is not the id of a configured source' }]));
      if (details.length) throw new ApiError(400, 'invalid_request', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
    },

    /** `field` names the URL in the error (`target_url` for REST hooks). */
    async checkTarget(url: string | undefined, field = 'url') {
      if (url === undefined || relay.allowPrivateTargets) return;
      const problem = await checkTargetUrl(url);
      if (problem) throw new ApiError(400, 'target_not_allowed', `${field}: ${problem}`, [{ field, message: problem }]);
    },
  };
}
