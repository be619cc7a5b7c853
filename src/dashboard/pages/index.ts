// The dashboard's pages, in menu order. A new page is one file in this folder exporting a
// DashboardPage (its menu entry, if any, and its routes through the PageRouter), listed here.
import type { DashboardPage } from '../router.js';
import { overviewPage } from './overview.js';
import { subscriptionPage } from './subscription.js';
import { deliveryPage } from './delivery.js';
import { eventsPage } from './events.js';
import { leadPage } from './lead.js';

export const pages: readonly DashboardPage[] = [overviewPage, subscriptionPage, deliveryPage, eventsPage, leadPage];
