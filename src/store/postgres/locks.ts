// Advisory lock keys (pg_advisory_lock and _xact_lock): one number per cluster-wide critical
// section, in one place so two never collide. Any other application on the same database would
// have to avoid 7_301_xxx.
export const LOCKS = {
  /** Applying migrations (session lock: held across the migrations' own transactions). */
  migrate: 7_301_001,
  /** Counting and writing subscriptions (the cap; config sync). */
  subscriptions: 7_301_002,
  /** Fanning out the outbox (one fan-out at a time keeps each lead's deliveries in seq order). */
  fanout: 7_301_003,
} as const;
