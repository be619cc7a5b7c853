// "New Lead Activity": an instant trigger on leadrelay's `event.added` webhooks.
const { sourcesField, subscribe, unsubscribe, perform, samples } = require('../lib/hooks');
const SAMPLES = require('../samples.json');

const EVENT = 'event.added';

module.exports = {
  key: 'event_added',
  noun: 'Activity',
  display: {
    label: 'New Lead Activity',
    description: 'Triggers on a new interaction on a lead: a message, call, email, compliance block and so on.',
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
