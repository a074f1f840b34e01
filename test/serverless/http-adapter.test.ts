import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import serverlessHttp from 'serverless-http';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

// serverless-http 4's own tests cover Express 4; this app runs Express 5 (body-parser 2),
// so what API Gateway's HTTP API hands the function is checked here, through the adapter.
let t: TestApp;
let handler: ReturnType<typeof serverlessHttp>;

beforeAll(async () => {
  t = await createTestApp();
  handler = serverlessHttp(t.app);
});
afterAll(() => t.close());

/** An HTTP API (payload 2.0) event as API Gateway builds it; `base64` as it does for bodies it does not treat as text. */
function httpEvent(method: string, pathAndQuery: string, opts: { headers?: Record<string, string>; body?: string; base64?: boolean } = {}): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = pathAndQuery.split('?') as [string, string?];
  return {
    version: '2.0',
    routeKey: `ANY /${rawPath.split('/')[1]}/{proxy+}`,
    rawPath,
    rawQueryString,
    headers: { host: 'cc.example.test', 'x-forwarded-proto': 'https', ...opts.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'cc.example.test',
      domainPrefix: 'cc',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'TwilioProxy/1.1' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '29/Nov/2026:07:00:00 +0000',
      timeEpoch: 0,
    },
    ...(opts.body === undefined ? {} : { body: opts.base64 ? Buffer.from(opts.body, 'utf8').toString('base64') : opts.body, isBase64Encoded: Boolean(opts.base64) }),
  } as APIGatewayProxyEventV2;
}

const invoke = async (event: APIGatewayProxyEventV2) => (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2 & { body: string };

/** A Twilio webhook as it reaches the function: form-encoded, signed against PUBLIC_BASE_URL + path. */
function twilioEvent(pathAndQuery: string, params: Record<string, string>, opts: { base64?: boolean; signature?: string } = {}) {
  const signature = opts.signature ?? twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, TEST_CONFIG.publicBaseUrl + pathAndQuery, params);
  return httpEvent('POST', pathAndQuery, {
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
    base64: opts.base64,
  });
}

describe('Express 5 behind serverless-http (API Gateway HTTP API, payload 2.0)', () => {
  it.each([false, true])('parses a signed, form-encoded Twilio webhook (base64 body: %s) and answers TwiML', async (base64) => {
    const res = await invoke(twilioEvent('/webhooks/twilio/voice', { CallSid: newCallSid(), From: '+966501234567', To: '+966920000000', AccountSid: TEST_CONFIG.twilio.accountSid }, { base64 }));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toContain('<Gather');
  });

  it('refuses a webhook whose signature does not match the body it carries, and stores no call', async () => {
    const params = { CallSid: newCallSid(), From: '+966501234567', To: '+966920000000' };
    const signed = twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, `${TEST_CONFIG.publicBaseUrl}/webhooks/twilio/voice`, { ...params, From: '+966500000000' });
    const res = await invoke(twilioEvent('/webhooks/twilio/voice', params, { signature: signed, base64: true }));
    expect(res.statusCode).toBe(403);
    expect(await t.db.prisma.call.count({ where: { providerCallId: params.CallSid } })).toBe(0);
  });

  it('carries Arabic speech in a form body, percent-encoded UTF-8, to the IVR (query string signed too)', async () => {
    const call = { CallSid: newCallSid(), From: '+966501234567', To: '+966920000000', AccountSid: TEST_CONFIG.twilio.accountSid };
    await invoke(twilioEvent('/webhooks/twilio/voice', call));
    const res = await invoke(twilioEvent('/webhooks/twilio/gather?seq=1', { ...call, SpeechResult: 'أبغى أكلم موظف عن الفاتورة', Confidence: '0.91' }, { base64: true }));
    expect(res.statusCode).toBe(200);
    const step = await t.db.prisma.callStep.findFirstOrThrow({ where: { call: { providerCallId: call.CallSid }, seq: 1 } });
    expect(step.input).toContain('أبغى أكلم موظف عن الفاتورة');
  });

  it.each([false, true])('parses a JSON API body with Arabic text (base64 body: %s) and keeps it intact', async (base64) => {
    const id = `c-ar-${base64}`;
    const put = await invoke(
      httpEvent('PUT', `/api/customers/${id}`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token('admin')}` },
        body: JSON.stringify({ name: 'نورة القحطاني', phones: [base64 ? '+966501110001' : '+966501110002'], language: 'ar' }),
        base64,
      }),
    );
    expect(put.statusCode).toBe(201);
    const got = await invoke(httpEvent('GET', `/api/customers?phone=${encodeURIComponent(base64 ? '+966501110001' : '+966501110002')}`, { headers: { authorization: `Bearer ${t.token('admin')}` } }));
    expect(got.statusCode).toBe(200);
    expect(got.body).toContain('نورة القحطاني');
  });

  it('answers malformed JSON with a 400, not a 500', async () => {
    const res = await invoke(httpEvent('PUT', '/api/customers/c-bad', { headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token('admin')}` }, body: '{"name": "نورة', base64: true }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'BAD_REQUEST', message: 'body: malformed JSON' } });
  });
});
