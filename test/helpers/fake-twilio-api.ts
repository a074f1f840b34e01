import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Decoded form body, as Twilio's REST API receives it. */
  form: Record<string, string>;
  /** The account SID from HTTP basic auth. */
  user: string;
}

/**
 * A local stand-in for api.twilio.com: answers the Calls resource the way Twilio does
 * (JSON with a call SID) and records every request, so tests can assert exactly what the
 * real twilio client sent. `failNext` makes the next request fail like an outage.
 */
export async function startFakeTwilioApi() {
  const requests: RecordedRequest[] = [];
  let failures = 0;
  let created = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push({ method: req.method ?? '', path: req.url ?? '', form, user: auth.split(':')[0] ?? '' });
      res.setHeader('content-type', 'application/json');
      if (failures > 0) {
        failures -= 1;
        res.statusCode = 503;
        res.end(JSON.stringify({ code: 20500, message: 'Service unavailable', status: 503 }));
        return;
      }
      const update = /\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(req.url ?? '');
      created += update ? 0 : 1;
      const sid = update?.[1] ?? `CA${created.toString(16).padStart(32, 'f')}`;
      res.statusCode = update ? 200 : 201;
      res.end(JSON.stringify({ sid, status: update ? 'in-progress' : 'queued', to: form.To ?? null, from: form.From ?? null, account_sid: 'AC' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(n = 1) {
      failures = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
