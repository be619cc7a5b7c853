// "New Lead Activity": an instant trigger on leadrelay's `event.added` webhooks.
const { hookOperation } = require('../lib/hooks');

const EVENT = 'event.added';

module.exports = {
  key: 'event_added',
  noun: 'Activity',
  display: {
    label: 'New Lead Activity',
    description: 'Triggers on a new interaction on a lead: a message, call, email, compliance block and so on.',
  },
  operation: hookOperation(EVENT),
};
