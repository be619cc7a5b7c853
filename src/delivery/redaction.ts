// The secrets of a subscription that its attempt log must never show, and a redactor for them.
import type { Subscription } from '../store/index.js';
import { Redactor, credentialParts, withBase64Url } from '../util/redact.js';
import { urlCredentials } from './send.js';

const SECRET_PREFIX = 'whsec_';

/**
 * Everything a receiver could echo that is secret: header values (and the token inside an
 * Authorization value), the URL's user and password with the Basic value made of them, and the
 * signing secrets, current and previous, whole and as the base64 key after whsec_.
 */
export function subscriptionSecrets(sub: Pick<Subscription, 'url' | 'headers' | 'secret' | 'previousSecrets'>): string[] {
  const out: string[] = [];
  for (const value of Object.values(sub.headers)) out.push(...credentialParts(value));
  const credentials = urlCredentials(sub.url);
  if (credentials) {
    out.push(credentials.user, credentials.password, ...credentialParts(credentials.authorization));
  }
  // Every earlier secret still stored, in its grace period or not: a receiver may echo any of them.
  for (const secret of [sub.secret, ...sub.previousSecrets.map((p) => p.secret)]) {
    out.push(secret);
    if (secret.startsWith(SECRET_PREFIX)) out.push(...withBase64Url(secret.slice(SECRET_PREFIX.length)));
  }
  return out;
}

// One redactor per subscription as read from the store: a changed subscription is a new object.
const redactors = new WeakMap<Subscription, Redactor>();

export function subscriptionRedactor(sub: Subscription): Redactor {
  let redactor = redactors.get(sub);
  if (!redactor) redactors.set(sub, (redactor = new Redactor(subscriptionSecrets(sub))));
  return redactor;
}
