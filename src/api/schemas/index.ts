// The documented shapes of the admin API's responses and of the webhooks (see src/api/openapi.ts).
export * from './common.js';
export * from './webhooks.js';
export * from './sources.js';
export * from './subscriptions.js';
export * from './deliveries.js';
export * from './events.js';
export * from './hooks.js';
