// npm run simulate -- --from +966501234567 --digits 1,12345678#  [--speech "billing"] [--url http://localhost:3000] [--no-hangup]
// npm run simulate -- --voice [--from +966551112233] [--pin 2468] [--speaker genuine|impostor|spoof] [--decline]: voice verification (scripts/simulate-voice.ts)
// Plays a caller through the running server with correctly signed Twilio webhooks and
// prints each TwiML answer: what the caller hears and what the IVR asks for next. The caller
// then hangs up; with --no-hangup they stay in line, so an agent can be offered the call and take it.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import twilio from 'twilio';
import { loadConfig } from '../src/config.js';
import type { DemoVoice } from './demo-voice-audio.js';
import { simulateVoice } from './simulate-voice.js';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    from: { type: 'string', default: '+966501234567' },
    to: { type: 'string', default: '+966920000000' },
    digits: { type: 'string', default: '' },
    speech: { type: 'string', multiple: true, default: [] },
    url: { type: 'string' },
    hangup: { type: 'boolean', default: true },
    voice: { type: 'boolean', default: false },
    pin: { type: 'string', default: '2468' },
    speaker: { type: 'string', default: 'genuine' },
    decline: { type: 'boolean', default: false },
  },
});
const config = loadConfig(process.env);
const base = (values.url ?? config.publicBaseUrl).replace(/\/+$/, '');
if (values.voice) {
  if (!['genuine', 'impostor', 'spoof'].includes(values.speaker)) throw new Error('--speaker must be genuine, impostor or spoof');
  const from = process.argv.includes('--from') ? values.from : '+966551112233';
  await simulateVoice({ config, base, from, to: values.to, pin: values.pin, speaker: values.speaker as DemoVoice, decline: values.decline });
  process.exit(0);
}
const callSid = `CA${randomBytes(16).toString('hex')}`;
// Each answer the caller gives, in order: keypad entries first, then spoken ones.
const answers: Array<Record<string, string>> = [
  ...values.digits.split(',').filter(Boolean).map((d) => ({ Digits: d.replace(/#$/, '') })),
  ...values.speech.map((s) => ({ SpeechResult: s, Confidence: '0.9' })),
];

async function post(url: string, params: Record<string, string>): Promise<string> {
  // Twilio signs the URL it was given with the public base; we post to the local server.
  const signed = url.replace(base, config.publicBaseUrl);
  const signature = twilio.getExpectedTwilioSignature(config.twilio.authToken, signed, params);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} from ${url}: ${text}`);
  return text;
}

function describe(twiml: string): { lines: string[]; gather?: string } {
  const lines: string[] = [];
  for (const m of twiml.matchAll(/<(Say|Play|Enqueue|Hangup|Gather)\b([^>]*?)(\/>|>([^<]*)<\/\1>|>)/g)) {
    const [, verb, attrs, , text] = m;
    if (verb === 'Gather') lines.push(`  [listening for ${/input="([^"]+)"/.exec(attrs ?? '')?.[1] ?? 'dtmf'}]`);
    else lines.push(`  ${verb}${text ? `: ${text.replace(/&apos;/g, "'").replace(/&amp;/g, '&')}` : ''}`);
  }
  const action = /<Gather[^>]*action="([^"]+)"/.exec(twiml)?.[1]?.replace(/&amp;/g, '&');
  return { lines, gather: action?.replace(config.publicBaseUrl, base) };
}

const common = { AccountSid: config.twilio.accountSid, CallSid: callSid, From: values.from, To: values.to, Direction: 'inbound', CallStatus: 'ringing' };
console.log(`calling ${base} as ${values.from} (CallSid ${callSid})`);
let step = describe(await post(`${base}/webhooks/twilio/voice`, common));
console.log(step.lines.join('\n'));
for (const answer of answers) {
  if (!step.gather) break;
  console.log(`\ncaller -> ${answer.Digits !== undefined ? `presses ${answer.Digits}` : `says "${answer.SpeechResult}"`}`);
  step = describe(await post(step.gather, { ...common, CallStatus: 'in-progress', ...answer }));
  console.log(step.lines.join('\n'));
}
if (values.hangup) {
  await post(`${base}/webhooks/twilio/status`, { ...common, CallStatus: 'completed', CallDuration: '42' });
  console.log('\ncaller hangs up (status callback sent: completed, 42 s)');
} else {
  console.log(`\ncaller stays on the line (CallSid ${callSid})`);
}
