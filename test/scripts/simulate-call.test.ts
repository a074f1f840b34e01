/**
 * `npm run simulate` as a user runs it, in its own process, against the app on a real port:
 * by default the caller hangs up after the IVR; with --no-hangup they stay in line, so the
 * softphone's pop can be accepted (README, Quick start).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let dataDir: string;

beforeAll(async () => {
  t = await createTestApp();
  server = await startHttpServer(t);
  dataDir = await mkdtemp(path.join(tmpdir(), 'cc-simulate-'));
});
afterAll(async () => {
  await server.close();
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The script signs like Twilio with the app's token and public URL, and posts to the test server. */
async function simulate(...args: string[]): Promise<{ stdout: string; callSid: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PUBLIC_BASE_URL: TEST_CONFIG.publicBaseUrl, TWILIO_ACCOUNT_SID: TEST_CONFIG.twilio.accountSid, TWILIO_AUTH_TOKEN: TEST_CONFIG.twilio.authToken, JWT_SECRET: TEST_CONFIG.jwt.secret };
  for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL']) delete env[name];
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/simulate-call.ts', '--from', '+966501234567', '--digits', '2,0', '--url', server.url, ...args], { cwd: root, env, timeout: 60_000 });
  const callSid = /CallSid (CA[0-9a-f]{32})/.exec(stdout)?.[1];
  if (!callSid) throw new Error(`no CallSid in: ${stdout}`);
  return { stdout, callSid };
}

const callOf = (callSid: string) => t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: callSid } });

describe('npm run simulate', () => {
  it('hangs the caller up after the IVR by default', async () => {
    const { stdout, callSid } = await simulate();
    expect(stdout).toContain('caller hangs up');
    expect((await callOf(callSid)).status).toBe('completed');
  });

  it('leaves the caller waiting in line with --no-hangup, for an agent to take the call', async () => {
    const { stdout, callSid } = await simulate('--no-hangup');
    expect(stdout).toContain(`caller stays on the line (CallSid ${callSid})`);
    const call = await callOf(callSid);
    expect(call.status, stdout).toBe('queued');
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId: call.id } })).toMatchObject({ status: 'waiting' });
  });
});
