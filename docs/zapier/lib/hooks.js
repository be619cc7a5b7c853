// What every leadrelay trigger does: subscribe, unsubscribe, take a delivered webhook, and sample
// payloads. The triggers differ only in the event type they subscribe to.
const { relayRequest } = require('./relay');
const SAMPLES = require('../samples.json');

/** Optional input field: limit the trigger to some sources (ids from the leadrelay config). */
const sourcesField = {
  key: 'sources',
  label: 'Sources',
  type: 'string',
  list: true,
  required: false,
  helpText: 'Only leads from these sources (the `id`s in the leadrelay config, e.g. `apten`). Leave empty for every source.',
};

/** performSubscribe: POST /v1/hooks. The answer ({id, event, target_url}) becomes bundle.subscribeData. */
function subscribe(event) {
  return (z, bundle) => {
    const sources = (bundle.inputData.sources || []).map((s) => String(s).trim()).filter(Boolean);
    return relayRequest(z, bundle, {
      method: 'POST',
      path: '/v1/hooks',
      body: { target_url: bundle.targetUrl, event, ...(sources.length ? { sources } : {}) },
    });
  };
}

/**
 * performUnsubscribe: DELETE /v1/hooks/:id. A hook that is already gone (deleted by an operator,
 * or removed by leadrelay after Zapier answered 410) counts as unsubscribed.
 */
async function unsubscribe(z, bundle) {
  const id = bundle.subscribeData && bundle.subscribeData.id;
  if (!id) return {};
  await relayRequest(z, bundle, { method: 'DELETE', path: `/v1/hooks/${encodeURIComponent(id)}`, allow: [404] });
  return {};
}

/**
 * A header of the webhook as Zapier hands it over in bundle.rawRequest.headers (title-cased, with an
 * `Http-` prefix), matched without regard to either.
 */
function rawHeader(bundle, name) {
  const headers = (bundle.rawRequest && bundle.rawRequest.headers) || {};
  const key = Object.keys(headers).find((k) => k.toLowerCase().replace(/^http-/, '') === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * perform: leadrelay POSTs the webhook body ({type, timestamp, data}); it is the trigger's one result,
 * with the webhook-id header as its `id` (the same on retries, and what the samples carry as `id`).
 */
function perform(z, bundle) {
  const id = rawHeader(bundle, 'webhook-id');
  return [id ? { id, ...bundle.cleanedRequest } : bundle.cleanedRequest];
}

/** performList: sample payloads of exactly the live shape, for field mapping and "Test trigger". */
function samples(event) {
  return (z, bundle) => relayRequest(z, bundle, { path: `/v1/hooks/samples/${encodeURIComponent(event)}` });
}

/** The whole `operation` of an instant (REST hook) trigger on one leadrelay event type. */
function hookOperation(event) {
  return {
    type: 'hook',
    inputFields: [sourcesField],
    performSubscribe: subscribe(event),
    performUnsubscribe: unsubscribe,
    perform,
    performList: samples(event),
    sample: SAMPLES[event],
  };
}

module.exports = { sourcesField, subscribe, unsubscribe, perform, samples, hookOperation };
