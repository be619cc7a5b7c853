// The integration's definition, as `zapier push` uploads it. Every trigger is an instant (REST hook)
// trigger: Zapier subscribes a URL of its own with POST /v1/hooks when a Zap is turned on, leadrelay
// POSTs each matching webhook to it, and Zapier unsubscribes with DELETE /v1/hooks/:id when the Zap
// is turned off.
const { version } = require('./package.json');
const { version: platformVersion } = require('zapier-platform-core');

const authentication = require('./authentication');
const leadCreated = require('./triggers/lead_created');
const leadUpdated = require('./triggers/lead_updated');
const leadDeleted = require('./triggers/lead_deleted');
const eventAdded = require('./triggers/event_added');
const leadStatusChanged = require('./triggers/lead_status_changed');
const leadAssigned = require('./triggers/lead_assigned');

module.exports = {
  version,
  platformVersion,
  authentication,
  triggers: {
    [leadCreated.key]: leadCreated,
    [leadUpdated.key]: leadUpdated,
    [leadDeleted.key]: leadDeleted,
    [eventAdded.key]: eventAdded,
    [leadStatusChanged.key]: leadStatusChanged,
    [leadAssigned.key]: leadAssigned,
  },
};
