// Checks shared by the subscription routes: it exists, its sources exist, its URL may be reached,
// and a new one stays within delivery.maxSubscriptions.
import type { RelayControl } from '../control.js';
import type { Subscription } from '../../store/index.js';
import { checkTargetUrl } from '../../delivery/target-safety.js';
import { ApiError, notFound } from '../errors.js';

export function subscriptionGuards(relay: RelayControl) {
  return {
    async requireSubscription(id: string) {
      const sub = await relay.store.subscriptions.get(id);
      if (!sub) throw notFound('subscription', id);
      return sub;
    },

    checkSources(sources: string[] | null | undefined) {
      if (!sources) return;
      const known = new Set(relay.sources.map((s) => s.id));
      const details = sources.flatMap((s, i) => (known.has(s) ? [] : [{ field: `sources[${i}]`, message: 'is not the id of a configured source' }]));
      if (details.length) throw new ApiError(400, 'invalid_request', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
    },

    /** Stores a new subscription (API or REST hook), or refuses it when the cap is reached. */
    async insertNew(sub: Subscription) {
      if (!(await relay.store.subscriptions.insertWithinLimit(sub, relay.maxSubscriptions))) {
        throw new ApiError(
          409,
          'subscription_limit_reached',
          `there are ${relay.maxSubscriptions} subscriptions, the most delivery.maxSubscriptions allows; delete one or raise the limit`,
        );
      }
    },

    /** `field` names the URL in the error (`target_url` for REST hooks). */
    async checkTarget(url: string | undefined, field = 'url') {
      if (url === undefined || relay.allowPrivateTargets) return;
      const problem = await checkTargetUrl(url);
      if (problem) throw new ApiError(400, 'target_not_allowed', `${field}: ${problem}`, [{ field, message: problem }]);
    },
  };
}
