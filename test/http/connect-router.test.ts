import { GetCurrentMetricDataCommand, ListQueuesCommand } from '@aws-sdk/client-connect';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routingQueueName } from '../../src/routing/provider-sync.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { agentArn, CONNECT_QUEUES, createConnectTestApp, type ConnectTestApp } from '../webhooks/connect/connect-test-app.js';

let t: ConnectTestApp;
beforeAll(async () => {
  t = await createConnectTestApp();
});
afterAll(() => t.close());

const sync = () => request(t.app).post('/api/connect/sync').set('Authorization', `Bearer ${t.admin}`);

describe('POST /api/connect/sync', () => {
  it('makes Connect\'s queues routing queues that rule sets may name, and reports users no agent is linked to', async () => {
    await t.services.agents.upsert('sara', { name: 'Sara', languages: ['ar'], connectAgentArn: agentArn(1) });
    const res = await sync();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      queues: [
        { name: 'billing', label: 'Billing' },
        { name: 'general', label: 'General' },
        { name: 'priority', label: 'Priority' },
        { name: 'support', label: 'Support' },
      ],
      skippedQueues: [],
      users: 2,
      unlinkedUsers: ['khalid'],
    });
    const validate = (queue: string) =>
      request(t.app).post('/api/routing/rules/validate').set('Authorization', `Bearer ${t.admin}`).send({ rules: [{ name: 'r', when: 'true', queue }], default: { queue: 'general' } });
    expect((await validate('support')).status).toBe(200);
    expect((await validate('sales')).body.errors).toEqual([{ rule: 'r', field: 'queue', message: "unknown queue 'sales'" }]);
  });

  it('a queue renamed or removed in Connect follows at the next sync; an Arabic name gets a routing name from its id, a clash is reported', async () => {
    t.connectMock.on(ListQueuesCommand).resolves({
      QueueSummaryList: [
        CONNECT_QUEUES[1]!,
        { Id: 'aaaabbbb-cccc-4ddd-8eee-ffff00001111', Arn: 'arn:aws:connect:eu-central-1:123456789012:instance/x/queue/aaaabbbb-cccc-4ddd-8eee-ffff00001111', Name: 'الشكاوى' },
        { Id: 'q-dup', Arn: 'arn:aws:connect:eu-central-1:123456789012:instance/x/queue/q-dup', Name: 'GENERAL' },
      ],
    });
    const res = await sync();
    expect(res.body.queues).toEqual([
      { name: 'general', label: 'General' },
      { name: 'queue-aaaabbbbcccc', label: 'الشكاوى' },
    ]);
    expect(res.body.skippedQueues).toEqual([{ label: 'GENERAL', reason: "routing name 'general' is already 'General'" }]);
    expect((await t.db.prisma.providerResource.findMany({ where: { kind: 'queue' }, orderBy: { name: 'asc' } })).map((q) => q.name)).toEqual(['general', 'queue-aaaabbbbcccc']);
    t.connectMock.on(ListQueuesCommand).resolves({ QueueSummaryList: CONNECT_QUEUES });
    await sync();
  });

  it('is for admins; 503 where Connect is not configured', async () => {
    expect((await request(t.app).post('/api/connect/sync').set('Authorization', `Bearer ${t.token('supervisor')}`)).status).toBe(403);
    const plain: TestApp = await createTestApp({ publishDemoFlow: false });
    try {
      const res = await request(plain.app).post('/api/connect/sync').set('Authorization', `Bearer ${plain.token('admin')}`);
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/CONNECT_INSTANCE_ID/);
    } finally {
      await plain.close();
    }
  });
});

describe('GET /api/connect/queues', () => {
  it('the synced queues with Connect\'s live numbers', async () => {
    t.connectMock.on(GetCurrentMetricDataCommand).resolves({
      MetricResults: [{ Dimensions: { Queue: { Id: CONNECT_QUEUES[0]!.Id, Arn: CONNECT_QUEUES[0]!.Arn } }, Collections: [{ Metric: { Name: 'CONTACTS_IN_QUEUE', Unit: 'COUNT' }, Value: 3 }, { Metric: { Name: 'OLDEST_CONTACT_AGE', Unit: 'SECONDS' }, Value: 42 }] }],
    });
    const res = await request(t.app).get('/api/connect/queues').set('Authorization', `Bearer ${t.token('supervisor')}`);
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({ name: 'billing', label: 'Billing', arn: CONNECT_QUEUES[0]!.Arn, waiting: 3, oldestWaitSeconds: 42, agentsAvailable: 0 });
    expect(res.body.items.map((q: { name: string }) => q.name)).toEqual(['billing', 'general', 'priority', 'support']);
  });
});

describe('Connect\'s API failing', () => {
  it('is a 502 naming Connect\'s error, for the live numbers and for a sync; nothing is synced', async () => {
    t.connectMock.on(GetCurrentMetricDataCommand).rejects(Object.assign(new Error('no such instance'), { name: 'ResourceNotFoundException' }));
    const res = await request(t.app).get('/api/connect/queues').set('Authorization', `Bearer ${t.token('supervisor')}`);
    expect(res.status).toBe(502);
    expect(res.body.error).toEqual({ code: 'BAD_GATEWAY', message: "Amazon Connect's API failed: ResourceNotFoundException" });
    const before = await t.db.prisma.providerResource.count();
    t.connectMock.on(ListQueuesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const sync = await request(t.app).post('/api/connect/sync').set('Authorization', `Bearer ${t.token('admin')}`);
    expect(sync.status).toBe(502);
    expect(sync.body.error.code).toBe('BAD_GATEWAY');
    expect(await t.db.prisma.providerResource.count()).toBe(before);
    t.connectMock.on(ListQueuesCommand).resolves({ QueueSummaryList: CONNECT_QUEUES });
  });
});

describe('routingQueueName', () => {
  it('lower-cases and hyphenates what routing names may hold', () => {
    expect(routingQueueName('Billing Queue (VIP)', 'x')).toBe('billing-queue-vip');
    expect(routingQueueName('BasicQueue', 'x')).toBe('basicqueue');
    expect(routingQueueName('دعم', '12345678-aaaa')).toBe('queue-12345678aaaa');
  });
});
