// "New Lead": an instant trigger on leadrelay's `lead.created` webhooks.
const { hookOperation } = require('../lib/hooks');

const EVENT = 'lead.created';

module.exports = {
  key: 'lead_created',
  noun: 'Lead',
  display: {
    label: 'New Lead',
    description: 'Triggers when a vendor has a lead leadrelay has not seen before.',
  },
  operation: hookOperation(EVENT),
};
