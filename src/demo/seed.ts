import type { Services } from '../app.js';
import { replaceDispositions } from '../calls/dispositions.js';
import { demoFlowDefinition } from '../ivr/demo-flow.js';
import { DEMO_DISPOSITIONS } from './dispositions.js';
import { surveyFlowDefinition } from '../ivr/survey-flow.js';
import { exampleKnownNames, exampleRuleSet } from '../routing/rules/index.js';
import { scoreText } from '../sentiment/index.js';

const DAY = 24 * 3600 * 1000;
const ALL_DAY = [['00:00', '24:00']] as [string, string][];

/** Demo customers: a gold Arabic speaker with history, an English speaker, and one with an open complaint. */
export const DEMO_CUSTOMERS = [
  { id: 'cust-1001', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar' as const, tier: 'gold', accountValue: { amount: 182000, currency: 'SAR' } },
  { id: 'cust-1002', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en' as const, tier: 'silver', accountValue: { amount: 24000, currency: 'SAR' } },
  { id: 'cust-1003', name: 'فهد العتيبي', phones: ['+966503334444', '+966114445555'], language: 'ar' as const, tier: 'platinum', accountValue: { amount: 560000, currency: 'SAR' } },
];

/**
 * Fills an empty database with demo data so a first `npm start` has something to call.
 * Idempotent: it only seeds when no IVR flow exists yet.
 */
export async function seedDemo(services: Services, now = new Date()): Promise<boolean> {
  if (await services.flows.active('main')) return false;
  for (const c of DEMO_CUSTOMERS) await services.customers.upsert(c);
  const history = [
    { key: 'demo-1', customerId: 'cust-1001', channel: 'whatsapp' as const, type: 'message', ago: 2, summary: 'Asked why this month’s bill is higher than usual', text: 'الفاتورة هالشهر غالية مرة، هذا غير مقبول وأبي أعرف السبب' },
    { key: 'demo-5', customerId: 'cust-1001', channel: 'chat' as const, type: 'message', ago: 20, summary: 'Thanked the agent for fixing the router', text: 'شكراً جزيلاً، الخدمة ممتازة' },
    { key: 'demo-2', customerId: 'cust-1001', channel: 'email' as const, type: 'message', ago: 9, summary: 'Requested a copy of the March invoice' },
    { key: 'demo-3', customerId: 'cust-1002', channel: 'chat' as const, type: 'message', ago: 5, summary: 'Asked about upgrading to the 5G plan' },
    { key: 'demo-4', customerId: 'cust-1003', channel: 'branch' as const, type: 'complaint', status: 'open', ago: 1, summary: 'Complaint: fibre installation missed twice' },
  ];
  for (const h of history as Array<(typeof history)[number] & { text?: string; status?: string }>) {
    await services.interactions.record({
      text: h.text ?? null,
      sentiment: scoreText(h.text ?? h.summary),
      idempotencyKey: `seed:${h.key}`,
      customerId: h.customerId,
      phoneE164: null,
      channel: h.channel,
      type: h.type,
      status: h.status ?? null,
      at: new Date(now.getTime() - h.ago * DAY),
      summary: h.summary,
    });
  }
  await services.agents.upsert('agent-sara', { name: 'Sara Al-Harbi', skills: { billing: 3, support: 2, arabic_senior: 1 }, languages: ['ar', 'en'], twilioIdentity: 'agent-sara' });
  await services.agents.upsert('agent-khalid', { name: 'Khalid Al-Otaibi', skills: { sales: 3, complaints: 4 }, languages: ['ar'], twilioIdentity: 'agent-khalid' });
  for (const q of exampleKnownNames.queues) await services.rules.addQueue(q, {});
  await services.rules.publish(exampleRuleSet, { by: 'seed', comment: 'worked example: crisis first, VIP, Arabic billing, complaints' });
  // Through the same checks as PUT /api/dispositions: every queue it names exists by now.
  await replaceDispositions({ store: services.dispositions, queueNames: async () => (await services.rules.knownNames()).queues }, { list: DEMO_DISPOSITIONS, by: 'seed', at: now });
  // The demo line answers around the clock so a first try is never "closed"; publish real
  // hours with PUT /api/ivr/flows/main (the README shows how).
  const weekly = { sun: ALL_DAY, mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY };
  await services.flows.publish('main', { ...demoFlowDefinition, hours: { ...demoFlowDefinition.hours, weekly, holidays: [] } }, { comment: 'demo seed', by: 'seed' });
  // The post-call survey: billing and support ask for it; Noura and Omar agreed to surveys.
  await services.flows.publish('survey', surveyFlowDefinition, { comment: 'demo seed', by: 'seed' });
  for (const q of ['billing', 'support']) await services.surveys.settings.set(q, true, 'seed', now);
  for (const customerId of ['cust-1001', 'cust-1002']) {
    await services.consents.recordConsent({ customerId, purpose: 'survey', granted: true, channel: 'web', textVersion: 'v1', by: 'seed' });
  }
  return true;
}
