import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLambda } from '../../scripts/build-lambda.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SERVERLESS_BIN = path.join(ROOT, 'node_modules/.bin/serverless');

/**
 * The service as `serverless` sees it, in a folder of its own: serverless.yml, a fresh bundle
 * at dist/lambda/index.mjs and the project's node_modules (for the plugin). Test files run in
 * parallel; none of them rebuilds the project's own dist/ under another.
 */
export async function prepareService(): Promise<{ dir: string; bundleBytes: number; remove(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-sls-'));
  copyFileSync(path.join(ROOT, 'serverless.yml'), path.join(dir, 'serverless.yml'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  const { bytes } = await buildLambda({ outDir: path.join(dir, 'dist/lambda') });
  return { dir, bundleBytes: bytes, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment a deployment sets (serverless.yml's required variables), with dummy values and no AWS credentials. */
export function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('SLS_') && !k.startsWith('SERVERLESS_')) env[k] = v;
  return {
    ...env,
    // No telemetry or update checks from a test run.
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    DATABASE_URL: 'postgres://cc:secret@db.example.internal:5432/cc',
    PUBLIC_BASE_URL: 'https://cc.example.test',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789',
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough',
    ...extra,
  };
}
