// npm run simulate -- --voice [--from +966551112233] [--pin 2468] [--speaker genuine|impostor|spoof] [--decline] [--url http://localhost:3000]
//
// Plays a caller through voice verification against the running server and the local DEMO
// vendor (npm run demo-vendor; a stand-in that decides from markers in the audio, not a
// voice engine): they press 4 (balance), answer the consent question, speak while their
// audio streams to wss://…/webhooks/twilio/media (signed as Twilio signs it, μ-law frames
// carrying the demo vendor's marker), and the IVR asks for the verdict. Agent-sara is signed
// in on a socket so the pop's verification badge can be printed. A first call with no
// voiceprint goes consent -> PIN -> enrolment from the call; the next one is checked by voice.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import WebSocket from 'ws';
import { signToken } from '../src/auth/tokens.js';
import type { Config } from '../src/config.js';
import { demoSpeech, silenceFrame, type DemoVoice } from './demo-voice-audio.js';

export interface VoiceOptions {
  config: Config;
  base: string;
  from: string;
  to: string;
  pin: string;
  speaker: DemoVoice;
  decline: boolean;
}

const unescape = (s: string) => s.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string) => unescape(new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1] ?? '');

export async function simulateVoice(o: VoiceOptions): Promise<void> {
  const secret = o.config.jwt.secret;
  if (!secret) throw new Error('--voice mints tokens with JWT_SECRET; it is not set (JWT_PUBLIC_KEY deployments sign in elsewhere)');
  const admin = signToken(secret, { sub: 'simulate', role: 'admin' });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${o.base}${path}`, { method, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as Record<string, any>);
  };
  const found = await api('GET', `/api/customers?phone=${encodeURIComponent(o.from)}`);
  const customer = found?.items?.[0] as { id: string; name: string } | undefined;
  if (!customer) throw new Error(`${o.from} is not a customer: voice verification is for known callers (try the seeded +966551112233)`);
  await api('PUT', `/api/customers/${customer.id}/pin`, { pin: o.pin });
  console.log(`caller: ${customer.name} (${customer.id}), PIN set to ${o.pin} for the demo; speaking as "${o.speaker}"`);

  const agent = await signInAgent(o, secret);
  try {
    for (let n = 1; n <= 2; n++) {
      const { enrolled, streamedVoice } = await oneCall(o, agent, n);
      if (!enrolled || streamedVoice) break;
      console.log('\n(no voiceprint yet: the call above enrolled one; calling again to be checked by voice)');
    }
  } finally {
    agent.close();
  }
}

/** Agent-sara's softphone socket: available, so the call is offered to her and its pop arrives. */
async function signInAgent(o: VoiceOptions, secret: string) {
  const token = signToken(secret, { sub: 'agent-sara', role: 'agent' });
  const ws = new WebSocket(`${o.base.replace(/^http/, 'ws')}/ws/agent`, ['bearer', token]);
  const pops: Array<Record<string, any>> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, any>;
    if (m.id) ws.send(JSON.stringify({ type: 'ack', id: m.id }));
    if (m.type === 'screen_pop') pops.push(m);
    // Leave the agent free for the next call: the demo never takes it.
    if (m.type === 'screen_pop' && m.call?.reservationId) ws.send(JSON.stringify({ type: 'reject', reservationId: m.call.reservationId }));
  });
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'status', status: 'available' }));
  return {
    close: () => ws.close(),
    async popFor(callSid: string, waitMs = 8000): Promise<Record<string, any> | undefined> {
      for (const until = Date.now() + waitMs; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        const pop = pops.find((p) => p.call?.providerCallId === callSid);
        if (pop) return pop;
      }
      return undefined;
    },
  };
}

async function oneCall(o: VoiceOptions, agent: Awaited<ReturnType<typeof signInAgent>>, n: number): Promise<{ enrolled: boolean; streamedVoice: boolean }> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const common = { AccountSid: o.config.twilio.accountSid, CallSid: callSid, From: o.from, To: o.to, Direction: 'inbound' };
  const publicBase = o.config.publicBaseUrl.replace(/\/+$/, '');
  const post = async (url: string, params: Record<string, string>) => {
    const signature = twilio.getExpectedTwilioSignature(o.config.twilio.authToken, url, params);
    const res = await fetch(url.replace(publicBase, o.base), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${res.status} from ${url}: ${text}`);
    return text;
  };
  console.log(`\n=== call ${n} (CallSid ${callSid}) ===`);
  let twiml = await post(`${publicBase}/webhooks/twilio/voice`, { ...common, CallStatus: 'ringing' });
  let streamedVoice = false;
  let enrolled = false;
  let pressedBalance = false;
  const streams: Array<Promise<void>> = [];
  for (let turn = 0; turn < 80; turn++) {
    let pendingVerify: string | undefined;
    for (const m of twiml.matchAll(/<(Say|Start|Stop|Gather|Redirect|Enqueue|Hangup|Pause)\b([^>]*?)(\/>|>)([\s\S]*?)(?=<(?:Say|Start|Stop|Gather|Redirect|Enqueue|Hangup|Pause|\/Response)\b|$)/g)) {
      const [, verb, attrs = '', , inner = ''] = m;
      if (verb === 'Say') console.log(`  caller hears: ${unescape(inner.replace(/<\/Say>[\s\S]*/, ''))}`);
      else if (verb === 'Start') {
        const requestId = attr(inner, 'value');
        const purpose = /name="purpose" value="enrol"/.test(inner) ? 'enrol' : 'verify';
        console.log(`  [audio stream starts: ${purpose}, requestId ${requestId}]`);
        if (purpose === 'verify') pendingVerify = requestId;
        // The enrolment listens while the call goes on; the demo speaks 31 s of the caller's voice.
        else {
          enrolled = true;
          streams.push(stream(o, attr(inner, 'url'), callSid, requestId, 'genuine', 31));
        }
      } else if (verb === 'Stop') console.log('  [audio stream stops: the vendor has what it needs]');
      else if (verb === 'Pause') console.log(`  [${attr(attrs, 'length')} s pause]`);
      else if (verb === 'Enqueue') console.log(`  [waits in queue ${unescape(inner.replace(/<\/Enqueue>[\s\S]*/, ''))}]`);
    }
    const redirect = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(twiml)?.[1];
    const gather = /<Gather\b([^>]*)>/.exec(twiml)?.[1];
    if (redirect) {
      console.log('  [asks for the verdict again]');
      twiml = await post(unescape(redirect), { ...common, CallStatus: 'in-progress' });
      continue;
    }
    if (!gather) break;
    const action = attr(gather, 'action');
    let answer: Record<string, string>;
    if (pendingVerify) {
      await stream(o, /url="([^"]+)"/.exec(twiml)![1]!, callSid, pendingVerify, o.speaker, 12);
      answer = { SpeechResult: 'I would like to check my balance please', Confidence: '0.92' };
      streamedVoice = true;
    } else if (attr(gather, 'finishOnKey') === '#') answer = { Digits: o.pin, FinishedOnKey: '#' };
    else if (/press 1\.? To decline|للموافقة اضغط 1/.test(twiml)) answer = { Digits: o.decline ? '2' : '1' };
    else if (!pressedBalance) {
      answer = { Digits: '4' };
      pressedBalance = true;
    } else break;
    console.log(`\ncaller -> ${answer.Digits ? (attr(gather, 'finishOnKey') === '#' ? 'keys their PIN (masked everywhere on our side)' : `presses ${answer.Digits}`) : `speaks (${o.speaker} voice): "${answer.SpeechResult}"`}`);
    twiml = await post(action, { ...common, CallStatus: 'in-progress', ...answer });
  }
  await Promise.all(streams);
  const pop = await agent.popFor(callSid);
  const v = pop?.verification as { status: string; method?: string; score?: number; risk?: { watchlist: boolean; spoofSuspected: boolean } } | undefined;
  if (v) {
    const risk = [v.risk?.watchlist ? 'WATCHLIST' : '', v.risk?.spoofSuspected ? 'SPOOF SUSPECTED' : ''].filter(Boolean).join(', ');
    console.log(`\nagent-sara's pop: verification ${v.status}${v.method ? ` by ${v.method}` : ''}${v.score !== undefined ? ` (score ${v.score})` : ''}${risk ? ` — warning: ${risk}` : ''}`);
  } else console.log('\n(no pop arrived for agent-sara: is she busy, or not in the queue the rules chose?)');
  await post(`${publicBase}/webhooks/twilio/status`, { ...common, CallStatus: 'completed', CallDuration: '60' });
  return { enrolled, streamedVoice };
}

/** Twilio's side of a Media Stream: the upgrade signed over the stream URL as our TwiML wrote it, then Twilio-shaped frames. */
async function stream(o: VoiceOptions, url: string, callSid: string, requestId: string, who: DemoVoice, seconds: number): Promise<void> {
  const signature = twilio.getExpectedTwilioSignature(o.config.twilio.authToken, url, {});
  const local = `${o.base.replace(/^http/, 'ws')}${new URL(url).pathname}`;
  const ws = new WebSocket(local, { headers: { 'X-Twilio-Signature': signature } });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  const streamSid = `MZ${randomBytes(16).toString('hex')}`;
  const send = (m: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  send({ event: 'start', sequenceNumber: '1', streamSid, start: { accountSid: o.config.twilio.accountSid, streamSid, callSid, tracks: ['inbound'], customParameters: { requestId }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } });
  // The prompt plays first (silence from the caller), then they speak.
  const frames = [...Array.from({ length: 50 }, () => silenceFrame()), ...demoSpeech(who, seconds)];
  frames.forEach((f, i) => send({ event: 'media', sequenceNumber: String(i + 2), streamSid, media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: f.toString('base64') } }));
  send({ event: 'stop', sequenceNumber: String(frames.length + 2), streamSid, stop: { accountSid: o.config.twilio.accountSid, callSid } });
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  ws.close();
}
