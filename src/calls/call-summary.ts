import type { CallRecord } from './types.js';

const LANGUAGE_NAMES: Record<string, string> = { ar: 'Arabic', en: 'English' };

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/** One line an agent can read at a glance: how the call went, from the call record alone. */
export function summarizeCall(call: Pick<CallRecord, 'language' | 'session' | 'queue' | 'status' | 'durationSeconds' | 'endStatus' | 'intent'>): string {
  const parts = [`Inbound call (${LANGUAGE_NAMES[call.language] ?? call.language})`];
  if (call.session.path.length > 0) parts.push(`IVR: ${call.session.path.join(' > ')}`);
  if (call.intent) parts.push(`intent ${call.intent}`);
  if (call.queue) parts.push(`queued to ${call.queue}`);
  if (call.status === 'completed') {
    parts.push(`${call.endStatus ?? 'completed'}${call.durationSeconds !== null ? ` after ${duration(call.durationSeconds)}` : ''}`);
  } else if (call.status === 'in_ivr') {
    parts.push('in progress');
  }
  return parts.join(' · ');
}
