import { ConnectClient, ListQueuesCommand, ListUsersCommand } from '@aws-sdk/client-connect';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import request from 'supertest';
import { buildApp, type AppDeps } from '../../../src/app.js';
import { signToken } from '../../../src/auth/tokens.js';
import type { Db } from '../../../src/db/client.js';
import { createTestDatabase } from '../../helpers/test-db.js';
import { OPEN_HOURS, TEST_CONFIG } from '../../helpers/test-app.js';

export const INSTANCE_ID = '4b7c1a2e-5d6f-4a8b-9c0d-1e2f3a4b5c6d';
export const INSTANCE_ARN = `arn:aws:connect:eu-central-1:123456789012:instance/${INSTANCE_ID}`;
export const queueArn = (n: number) => `${INSTANCE_ARN}/queue/11111111-aaaa-4bbb-8ccc-00000000000${n}`;
export const agentArn = (n: number) => `${INSTANCE_ARN}/agent/22222222-aaaa-4bbb-8ccc-00000000000${n}`;

/** Connect's queues as ListQueues lists them, and its users. */
export const CONNECT_QUEUES = [
  { Id: '11111111-aaaa-4bbb-8ccc-000000000001', Arn: queueArn(1), Name: 'Billing', QueueType: 'STANDARD' as const },
  { Id: '11111111-aaaa-4bbb-8ccc-000000000002', Arn: queueArn(2), Name: 'General', QueueType: 'STANDARD' as const },
  { Id: '11111111-aaaa-4bbb-8ccc-000000000003', Arn: queueArn(3), Name: 'Priority', QueueType: 'STANDARD' as const },
  { Id: '11111111-aaaa-4bbb-8ccc-000000000004', Arn: queueArn(4), Name: 'Support', QueueType: 'STANDARD' as const },
];
export const CONNECT_USERS = [
  { Id: '22222222-aaaa-4bbb-8ccc-000000000001', Arn: agentArn(1), Username: 'sara' },
  { Id: '22222222-aaaa-4bbb-8ccc-000000000002', Arn: agentArn(2), Username: 'khalid' },
];

/**
 * The whole app on a fresh database with Amazon Connect configured (a mocked SDK client),
 * the two fixture customers, Connect's queues synced and the fixture rules published.
 */
export async function createConnectTestApp(
  opts: { db?: (db: Db) => Db; answerBudgetMs?: number; crmLookupBudgetMs?: number; biometrics?: AppDeps['config']['biometrics']; callbackFlowId?: string; twilioVoice?: AppDeps['config']['twilio']['voice'] } = {},
) {
  const database = await createTestDatabase();
  const connectMock = mockClient(ConnectClient);
  connectMock.on(ListQueuesCommand).resolves({ QueueSummaryList: CONNECT_QUEUES });
  connectMock.on(ListUsersCommand).resolves({ UserSummaryList: CONNECT_USERS });
  const clock = { now: OPEN_HOURS };
  const deps: AppDeps = {
    config: { ...TEST_CONFIG, crmLookupBudgetMs: opts.crmLookupBudgetMs ?? 2000, twilio: { ...TEST_CONFIG.twilio, apiBaseUrl: 'http://127.0.0.1:9', ...(opts.twilioVoice ? { voice: opts.twilioVoice } : {}) }, aws: { region: 'eu-central-1', connectInstanceId: INSTANCE_ID, connectCallbackFlowId: opts.callbackFlowId }, biometrics: opts.biometrics },
    db: opts.db ? opts.db(database.prisma) : database.prisma,
    logger: pino({ level: 'silent' }),
    now: () => clock.now,
    connect: { answerBudgetMs: opts.answerBudgetMs ?? 10_000, client: new ConnectClient({ region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }) },
    // Twilio's webhooks too, as in test-app.ts: a loaded machine must not turn an answer into the fallback, whose writes land later.
    answerBudgetMs: 10_000,
  };
  const built = buildApp(deps);
  const admin = signToken(TEST_CONFIG.jwt.secret, { sub: 'test-admin', role: 'admin' });
  const s = built.services;
  await s.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold', accountValue: { amount: 182000, currency: 'SAR' } });
  await s.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  await s.biometrics.setPin('c-noura', '4321');
  await s.biometrics.setPin('c-omar', '9876');
  const synced = await request(built.app).post('/api/connect/sync').set('Authorization', `Bearer ${admin}`);
  if (synced.status !== 200) throw new Error(`sync failed: ${synced.status} ${synced.text}`);
  await s.rules.publish(
    {
      rules: [
        { name: 'vip', when: 'customer.accountValue >= 100000.0', queue: 'priority', priority: 90, steps: [{ afterSeconds: 120, queue: 'general', offerCallback: true }] },
        { name: 'arabic-billing', when: 'call.language == "ar" && ivr.intent == "billing"', queue: 'billing', priority: 60 },
      ],
      default: { queue: 'general', priority: 10 },
    },
    { by: 'test' },
  );
  return {
    ...built,
    db: database,
    clock,
    connectMock,
    admin,
    token: (role: 'agent' | 'supervisor' | 'admin', sub = `test-${role}`) => signToken(TEST_CONFIG.jwt.secret, { sub, role }),
    async close() {
      connectMock.restore();
      await built.shutdown();
      await database.drop();
    },
  };
}
export type ConnectTestApp = Awaited<ReturnType<typeof createConnectTestApp>>;
