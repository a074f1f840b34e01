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

/** A request held unanswered (`holdNext`): to the app it is a Twilio that never replies. */
export interface HeldRequest {
  /** Resolves once the request has reached the stand-in (and, if asked, been carried out). */
  arrived: Promise<void>;
  /** Closes the connection without an answer, as a dropped network does. */
  drop(): void;
}

interface Leg {
  sid: string;
  to: string;
  status: string;
}

/**
 * A local stand-in for api.twilio.com: answers the Calls resource the way Twilio does
 * (JSON with a call SID) and records every request, so tests can assert exactly what the
 * real twilio client sent. `failNext` makes the next request fail like an outage.
 *
 * It also keeps what Twilio would know of each call it has been told about: a TwiML update
 * whose `<Dial>` rings a `<Client>` makes a live child leg to `client:<identity>` (the leg it
 * interrupts ends), any other TwiML (an `<Enqueue>`, a prompt) ends the live leg; `hangUp`
 * ends a call. Fetching a call and listing calls by `ParentCallSid` read that state.
 */
export async function startFakeTwilioApi() {
  const requests: RecordedRequest[] = [];
  const calls = new Map<string, { status: string; legs: Leg[] }>();
  const held: http.ServerResponse[] = [];
  let failures = 0;
  let created = 0;
  let legs = 0;
  let hold: { apply: boolean; arrived: () => void } | undefined;

  const callOf = (sid: string) => {
    let call = calls.get(sid);
    if (!call) calls.set(sid, (call = { status: 'in-progress', legs: [] }));
    return call;
  };
  const endLiveLegs = (call: { legs: Leg[] }) => {
    for (const leg of call.legs) if (leg.status === 'in-progress' || leg.status === 'ringing') leg.status = 'completed';
  };
  function applyUpdate(sid: string, form: Record<string, string>): void {
    const call = callOf(sid);
    if (form.Status === 'completed' || form.Status === 'canceled') {
      endLiveLegs(call);
      call.status = 'completed';
      return;
    }
    if (form.Twiml === undefined) return;
    endLiveLegs(call);
    const client = /<Dial[^>]*>\s*<Client>(?:<Identity>)?([^<]+)</.exec(form.Twiml);
    if (client) call.legs.push({ sid: `CA${(++legs).toString(16).padStart(32, 'e')}`, to: `client:${client[1]}`, status: 'in-progress' });
  }
  const callJson = (sid: string) => ({ sid, account_sid: 'AC', status: callOf(sid).status, parent_call_sid: null });

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const form = Object.fromEntries(new URLSearchParams(body));
      const url = new URL(req.url ?? '/', 'http://twilio.local');
      requests.push({ method: req.method ?? '', path: req.url ?? '', form, user: auth.split(':')[0] ?? '' });
      res.setHeader('content-type', 'application/json');
      if (failures > 0) {
        failures -= 1;
        res.statusCode = 503;
        res.end(JSON.stringify({ code: 20500, message: 'Service unavailable', status: 503 }));
        return;
      }
      const one = /\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(url.pathname);
      if (req.method === 'GET') {
        if (one) {
          res.end(JSON.stringify(callJson(one[1]!)));
          return;
        }
        const parent = url.searchParams.get('ParentCallSid');
        const list = parent ? callOf(parent).legs.map((l) => ({ sid: l.sid, account_sid: 'AC', status: l.status, to: l.to, parent_call_sid: parent })) : [];
        res.end(JSON.stringify({ calls: list, first_page_uri: url.pathname, next_page_uri: null, previous_page_uri: null, page: 0, page_size: 50, start: 0, end: list.length, uri: url.pathname }));
        return;
      }
      if (one) {
        const holding = hold;
        if (holding) {
          hold = undefined;
          if (holding.apply) applyUpdate(one[1]!, form);
          held.push(res);
          holding.arrived();
          return;
        }
        applyUpdate(one[1]!, form);
      }
      created += one ? 0 : 1;
      const sid = one?.[1] ?? `CA${created.toString(16).padStart(32, 'f')}`;
      res.statusCode = one ? 200 : 201;
      res.end(JSON.stringify({ sid, status: one ? 'in-progress' : 'queued', to: form.To ?? null, from: form.From ?? null, account_sid: 'AC' }));
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
    /**
     * The next update of a call is never answered: with `apply`, Twilio carried it out (the
     * caller moved) before the answer was lost; without, it never took effect.
     */
    holdNext(opts: { apply: boolean }): HeldRequest {
      let arrived!: () => void;
      const promise = new Promise<void>((resolve) => (arrived = resolve));
      hold = { apply: opts.apply, arrived };
      return {
        arrived: promise,
        drop() {
          for (const res of held.splice(0)) res.socket?.destroy();
        },
      };
    },
    /** The caller hangs up, as Twilio sees it (no status callback is sent to the app). */
    hangUp(sid: string) {
      const call = callOf(sid);
      endLiveLegs(call);
      call.status = 'completed';
    },
    /** Twilio's view of a call: its status and the live leg's `to`, if any. */
    callState(sid: string) {
      const call = callOf(sid);
      return { status: call.status, with: call.legs.find((l) => l.status === 'in-progress' || l.status === 'ringing')?.to };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held.splice(0)) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
