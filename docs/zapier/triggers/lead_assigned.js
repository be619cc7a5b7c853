// "Lead Assigned": an instant trigger on `lead.updated` webhooks whose owner changed, optionally to one
// owner. leadrelay filters on subscribe (docs/filters.md): the Zap gets only those events.
const { hookOperation, optionalText } = require('../lib/hooks');

const EVENT = 'lead.updated';

/** {"data.lead.owner.id": {"$to": owner}} or, with no owner given, {"$changed": true}. */
function ownerFilter(inputData) {
  const owner = optionalText(inputData, 'owner_id');
  return { 'data.lead.owner.id': owner !== undefined ? { $to: owner } : { $changed: true } };
}

module.exports = {
  key: 'lead_assigned',
  noun: 'Lead',
  display: {
    label: 'Lead Assigned to Owner',
    description: 'Triggers when a lead is assigned to another owner, optionally only to a given owner.',
  },
  operation: hookOperation(EVENT, {
    inputFields: [
      {
        key: 'owner_id',
        label: 'Owner ID',
        type: 'string',
        required: false,
        helpText: 'Only leads assigned to this owner (the vendor\'s user id, as in `data.lead.owner.id`). Leave empty for any reassignment.',
      },
    ],
    filter: ownerFilter,
  }),
};
