/**
 * The benchmark's vendor, in its own process so its clock and event loop are its own: the
 * stand-in vendor answering every request after `BENCH_VENDOR_LATENCY_MS` (50 by default).
 * IPC: `ready {port}`; `times` -> `times {ms[]}` (each answer's own time, request's last byte
 * to answer); `shutdown` -> `closed`.
 */
import { startFakeBiometricsVendor } from '../../test/helpers/fake-biometrics-vendor.js';

export type VendorChildRequest = { type: 'times' } | { type: 'shutdown' };
export type VendorChildReply = { type: 'ready'; port: number } | { type: 'times'; ms: number[] } | { type: 'closed' } | { type: 'error'; message: string };

const send = (m: VendorChildReply) => process.send?.(m);
const vendor = await startFakeBiometricsVendor({ secret: process.env.BENCH_VENDOR_SECRET ?? 'bench-secret' });
vendor.latencyMs = Number(process.env.BENCH_VENDOR_LATENCY_MS ?? '50');
process.on('message', (m: VendorChildRequest) => {
  if (m.type === 'times') send({ type: 'times', ms: vendor.serviceTimes.splice(0) });
  if (m.type === 'shutdown') void vendor.close().then(() => (send({ type: 'closed' }), process.exit(0)));
});
send({ type: 'ready', port: Number(new URL(vendor.url).port) });
