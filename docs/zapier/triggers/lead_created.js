// "New Lead": an instant trigger on leadrelay's `lead.created` webhooks.
const { sourcesField, subscribe, unsubscribe, perform, samples } = require('../lib/hooks');
const SAMPLES = require('../samples.json');

const EVENT = 'lead.created';

module.exports = {
  key: 'lead_created',
  noun: 'Lead',
  display: {
    label: 'New Lead',
    description: 'Triggers when a vendor has a lead leadrelay has not seen before.',
    important: true,
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
