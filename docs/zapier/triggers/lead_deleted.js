// "Deleted Lead": an instant trigger on leadrelay's `lead.deleted` webhooks.
const { hookOperation } = require('../lib/hooks');

const EVENT = 'lead.deleted';

module.exports = {
  key: 'lead_deleted',
  noun: 'Lead',
  display: {
    label: 'Deleted Lead',
    description: 'Triggers when a vendor deletes a lead, or it is confirmed gone (data.reason tells which).',
  },
  operation: hookOperation(EVENT),
};
