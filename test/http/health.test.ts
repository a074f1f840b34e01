import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbHealthRepo } from '../../src/db/db-health-repo.js';
import { healthRouter } from '../../src/http/health-router.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
});
afterAll(async () => {
  await t?.close();
});

describe('health endpoints', () => {
  it('answers liveness without a token', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports ready while the database answers', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', database: 'ok', bus: 'ok' });
  });

  it('stays ready (200) with a degraded event bus, and says so: the node still serves its callers and agents', async () => {
    const app = express().use(healthRouter({ database: createDbHealthRepo(t.db.prisma), isDraining: () => false, bus: { health: () => 'degraded' } }));
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'degraded', database: 'ok', bus: 'degraded' });
  });

  it('reports not ready once the node is draining, while staying alive', async () => {
    t.drain();
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'draining' });
    expect((await request(t.app).get('/healthz')).status).toBe(200);
  });

  it('answers unknown routes with a JSON 404 in the error shape', async () => {
    const res = await request(t.app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});
