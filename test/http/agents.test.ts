import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
});
afterAll(async () => {
  await t?.close();
});

const put = (id: string, body: unknown, role: Parameters<TestApp['token']>[0] = 'admin') =>
  request(t.app).put(`/api/agents/${id}`).set('Authorization', `Bearer ${t.token(role)}`).send(body as object);

describe('PUT /api/agents/:id', () => {
  it('creates an agent profile (201) and updates it (200)', async () => {
    const created = await put('agent-1', {
      name: 'Noura',
      skills: { billing: 3, support: 1 },
      languages: ['ar', 'en'],
      twilioIdentity: 'noura.k',
      connectAgentArn: 'arn:aws:connect:me-central-1:123456789012:instance/abc/agent/def',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'agent-1', name: 'Noura', skills: { billing: 3, support: 1 }, languages: ['ar', 'en'], twilioIdentity: 'noura.k' });

    const updated = await put('agent-1', { name: 'Noura K', skills: { sales: 5 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 'agent-1', name: 'Noura K', skills: { sales: 5 }, languages: ['ar'] });
    expect(updated.body).not.toHaveProperty('twilioIdentity');
    const row = await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'agent-1' } });
    expect(row).toMatchObject({ name: 'Noura K', skills: { sales: 5 }, languages: ['ar'], twilioIdentity: null, connectAgentArn: null });
  });

  it.each([
    ['a missing name', { skills: {} }, /^name:/],
    ['a skill level above 10', { name: 'A', skills: { billing: 11 } }, /^skills\.billing:/],
    ['a skill name with capitals', { name: 'A', skills: { Billing: 2 } }, /^skills/],
    ['an unsupported language', { name: 'A', languages: ['fr'] }, /^languages\.0:/],
    ['an empty language list', { name: 'A', languages: [] }, /^languages:/],
    ['a Twilio identity with spaces', { name: 'A', twilioIdentity: 'has space' }, /^twilioIdentity:/],
    ['an ARN that is not Amazon Connect', { name: 'A', connectAgentArn: 'arn:aws:s3:::bucket' }, /^connectAgentArn:/],
  ])('rejects %s with a 400 naming the field and stores nothing', async (_label, body, field) => {
    const res = await put('agent-bad', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(field) }) });
    expect(await t.db.prisma.agent.findUnique({ where: { id: 'agent-bad' } })).toBeNull();
  });

  it('forbids supervisors and agents from editing agent profiles (403)', async () => {
    for (const role of ['supervisor', 'agent'] as const) {
      const res = await put('agent-2', { name: 'Sneaky' }, role);
      expect(res.status).toBe(403);
    }
    expect(await t.db.prisma.agent.findUnique({ where: { id: 'agent-2' } })).toBeNull();
  });

  it('lets a supervisor list agents', async () => {
    const res = await request(t.app).get('/api/agents').set('Authorization', `Bearer ${t.token('supervisor')}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { id: string }) => a.id)).toContain('agent-1');
  });
});
