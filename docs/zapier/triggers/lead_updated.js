// "Updated Lead": an instant trigger on leadrelay's `lead.updated` webhooks.
const { hookOperation } = require('../lib/hooks');

const EVENT = 'lead.updated';

module.exports = {
  key: 'lead_updated',
  noun: 'Lead',
  display: {
    label: 'Updated Lead',
    description: 'Triggers when anything in a known lead changes (status, tags, contact details, ...). The changed fields are listed in data.changes.',
  },
  operation: hookOperation(EVENT),
};
