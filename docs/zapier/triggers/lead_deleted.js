// "Deleted Lead": an instant trigger on leadrelay's `lead.deleted` webhooks.
const { sourcesField, subscribe, unsubscribe, perform, samples } = require('../lib/hooks');
const SAMPLES = require('../samples.json');

const EVENT = 'lead.deleted';

module.exports = {
  key: 'lead_deleted',
  noun: 'Lead',
  display: {
    label: 'Deleted Lead',
    description: 'Triggers when a vendor deletes a lead, or it is confirmed gone (data.reason tells which).',
    important: false,
  },
  operation: {
    type: 'hook',
    inputFields: [sourcesField],
    performSubscribe: subscribe(EVENT),
    performUnsubscribe: unsubscribe,
    perform,
    performList: samples(EVENT),
    sample: SAMPLES[EVENT],
  },
};
