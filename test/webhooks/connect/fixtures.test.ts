import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ANSWER_KEYS } from '../../../webhooks/connect/render-answer.js';
import { createConnectTestApp, type ConnectTestApp } from './connect-test-app.js';

// Every file in test/fixtures/connect/{good,bad} is one invocation as Connect sends it (see
// the README there). Adding a case is adding a file.

const ZFixture = z.strictObject({
  description: z.string().min(1),
  event: z.unknown(),
  expect: z.strictObject({
    answer: z.record(z.string(), z.string()).optional(),
    timeline: z.strictObject({ type: z.string(), summary: z.string() }).optional(),
    field: z.string().optional(),
  }),
});
type Fixture = z.infer<typeof ZFixture> & { name: string };

const dir = path.resolve(import.meta.dirname, '../../fixtures/connect');
const load = (kind: 'good' | 'bad'): Fixture[] =>
  readdirSync(path.join(dir, kind))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.replace(/\.json$/, ''), ...ZFixture.parse(JSON.parse(readFileSync(path.join(dir, kind, file), 'utf8'))) }));

const contactIdOf = (f: Fixture) => (f.event as { Details?: { ContactData?: { ContactId?: string } } })?.Details?.ContactData?.ContactId;

let t: ConnectTestApp;
beforeAll(async () => {
  t = await createConnectTestApp();
});
afterAll(() => t.close());

describe('Connect flow fixtures: good', () => {
  it.each(load('good').map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const answer = await t.connect.flow(f.event);
    expect(Object.keys(answer).sort()).toEqual([...ANSWER_KEYS].sort());
    for (const v of Object.values(answer)) expect(typeof v).toBe('string');
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(32 * 1024);
    expect(answer).toMatchObject(f.expect.answer ?? {});
    const call = await t.db.prisma.call.findUnique({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactIdOf(f)! } } });
    expect(call, 'the call is recorded under its ContactId').not.toBeNull();
    if (f.expect.timeline) {
      const entry = await t.db.prisma.interaction.findFirst({ where: { idempotencyKey: `connect:flow-log:${contactIdOf(f)}` } });
      expect(entry).toMatchObject(f.expect.timeline);
      expect(entry?.customerId).toBe(call?.customerId);
    }
  });
});

describe('Connect flow fixtures: bad', () => {
  it.each(load('bad').map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const before = { calls: await t.db.prisma.call.count(), events: await t.db.prisma.callEvent.count(), interactions: await t.db.prisma.interaction.count() };
    const err = await t.connect.flow(f.event).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err, 'the flow takes its Error branch').toBeInstanceOf(Error);
    expect(err!.message.startsWith(`${f.expect.field}:`), err!.message).toBe(true);
    const after = { calls: await t.db.prisma.call.count(), events: await t.db.prisma.callEvent.count(), interactions: await t.db.prisma.interaction.count() };
    expect(after).toEqual(before);
  });
});
