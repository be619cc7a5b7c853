// What every leadrelay trigger does: subscribe, unsubscribe, take a delivered webhook, and sample
// payloads. The triggers differ in the event type they subscribe to and, for some, in the content
// filter they set on subscribe (leadrelay then sends only matching events: no Zapier Filter step,
// no task spent on events the Zap would throw away).
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

/**
 * performSubscribe: POST /v1/hooks. The answer ({id, event, target_url, ...}) becomes
 * bundle.subscribeData. `makeFilter(inputData)`: the trigger's content filter (docs/filters.md), or null.
 */
function subscribe(event, makeFilter) {
  return (z, bundle) => {
    const sources = (bundle.inputData.sources || []).map((s) => String(s).trim()).filter(Boolean);
    const filter = makeFilter ? makeFilter(bundle.inputData || {}) : null;
    return relayRequest(z, bundle, {
      method: 'POST',
      path: '/v1/hooks',
      body: { target_url: bundle.targetUrl, event, ...(sources.length ? { sources } : {}), ...(filter ? { filter } : {}) },
    });
  };
}

/** An optional text input, trimmed; undefined when left empty. */
function optionalText(inputData, key) {
  const v = inputData[key];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
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

/**
 * The whole `operation` of an instant (REST hook) trigger on one leadrelay event type; `opts.filter`
 * builds the content filter from the trigger's input fields (`opts.inputFields`, after Sources).
 */
function hookOperation(event, opts = {}) {
  return {
    type: 'hook',
    inputFields: [sourcesField, ...(opts.inputFields || [])],
    performSubscribe: subscribe(event, opts.filter),
    performUnsubscribe: unsubscribe,
    perform,
    performList: samples(event),
    sample: SAMPLES[event],
  };
}

module.exports = { sourcesField, subscribe, unsubscribe, perform, samples, hookOperation, optionalText };
