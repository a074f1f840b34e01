/**
 * npm run demo-vendor [-- --port 4010] [--secret S] [--mode honest|slow|failing|lying_signature|lying_garbage|async] [--latency MS]
 *
 * A STAND-IN voice-biometrics vendor for trying the product locally: it speaks the real
 * HTTP contract (README: "Voice biometrics", signed both ways) but is not a voice engine.
 * It decides from markers in the audio it is sent (scripts/demo-voice-audio.ts), which
 * `npm run simulate -- --voice` puts there: "genuine" matches the voice enrolled for the
 * speaker, "impostor" does not, "spoof" is flagged as a deepfake. Enrolments live in memory.
 */
import { parseArgs } from 'node:util';
import { startFakeBiometricsVendor, type VendorMode } from '../test/helpers/fake-biometrics-vendor.js';

const MODES: VendorMode[] = ['honest', 'slow', 'failing', 'lying_signature', 'lying_garbage', 'async'];
const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    secret: { type: 'string', default: process.env.BIOMETRICS_WEBHOOK_SECRET ?? 'demo-biometrics-secret' },
    mode: { type: 'string', default: 'honest' },
    latency: { type: 'string', default: '0' },
  },
});
if (!MODES.includes(args.mode as VendorMode)) {
  console.error(`--mode must be one of ${MODES.join(', ')}`);
  process.exit(64);
}

const vendor = await startFakeBiometricsVendor({
  secret: args.secret,
  port: Number(args.port),
  mode: args.mode as VendorMode,
  onRequest: (e) => {
    if (e.method === 'decision' && e.result) {
      const r = e.result;
      console.log(`  ${e.path.slice(1)} ${e.requestId}: ${r.decision} score=${r.score} spoof=${r.spoof} watchlist=${r.fraud.watchlistHit}`);
    } else if (e.method !== 'decision') {
      console.log(`${e.method} ${e.path} -> ${e.status}${e.signatureValid ? '' : ' (bad X-Biometrics-Signature)'}`);
    }
  },
});
vendor.latencyMs = Number(args.latency);
console.log(`
  DEMO voice-biometrics vendor (a stand-in, NOT a voice engine) on ${vendor.url}, mode ${vendor.mode}
  It decides from markers in the audio: only the demo's audio (npm run simulate -- --voice) means anything to it.

  Start the app against it:
    BIOMETRICS_VENDOR_URL=${vendor.url} BIOMETRICS_WEBHOOK_SECRET=${args.secret} npm start
`);
const stop = () => void vendor.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
