// "Lead Status Changed": an instant trigger on `lead.updated` webhooks whose status changed, with an
// optional earlier and new status. leadrelay filters on subscribe (docs/filters.md): the Zap gets only
// those events, and no task is spent on the others.
const { hookOperation, optionalText } = require('../lib/hooks');

const EVENT = 'lead.updated';

/** {"data.lead.status": {"$changed": true, "$from": ..., "$to": ...}}: the status changed (from / to those). */
function statusFilter(inputData) {
  const from = optionalText(inputData, 'from_status');
  const to = optionalText(inputData, 'to_status');
  return { 'data.lead.status': { $changed: true, ...(from !== undefined ? { $from: from } : {}), ...(to !== undefined ? { $to: to } : {}) } };
}

module.exports = {
  key: 'lead_status_changed',
  noun: 'Lead',
  display: {
    label: 'Lead Status Changed',
    description: 'Triggers when a lead\'s status changes, optionally only from or to a given status (e.g. to "won").',
  },
  operation: hookOperation(EVENT, {
    inputFields: [
      {
        key: 'from_status',
        label: 'From Status',
        type: 'string',
        required: false,
        helpText: 'Only when the lead had this status before (exactly as the vendor names it, e.g. `NEW`). Leave empty for any.',
      },
      {
        key: 'to_status',
        label: 'To Status',
        type: 'string',
        required: false,
        helpText: 'Only when the lead now has this status (e.g. `QUALIFIED` or `won`). Leave empty for any.',
      },
    ],
    filter: statusFilter,
  }),
};
