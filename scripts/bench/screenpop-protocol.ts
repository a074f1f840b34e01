/** Messages between bench:screenpop (screenpop.ts) and its children over the fork IPC channel. */
export type SpParentRequest =
  | { type: 'cpu' }
  | { type: 'stamps' }
  | { type: 'stats' }
  | { type: 'echo'; rate: number; durationS: number; bytes: number }
  | { type: 'shutdown' };

export type SpChildReply =
  | { type: 'ready'; port: number; info: Record<string, string | number> }
  | { type: 'cpu'; ms: number; userMs?: number }
  | { type: 'stamps'; committed: Array<[string, number]>; written: Array<[string, number]> }
  | {
      type: 'stats';
      calls: number;
      queued: number;
      reservations: number;
      pending: number;
      pops: number;
      acked: number;
      delivered: number;
      agentStates: Record<string, number>;
    }
  | { type: 'echoed'; sent: number; clients: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

export const SP_AUTH_TOKEN = 'bench-screenpop-auth-token-0123456789';
export const SP_JWT_SECRET = 'bench-screenpop-jwt-secret-long-enough';
export const SP_PUBLIC_BASE_URL = 'https://cc.example.test';

/**
 * A sub-millisecond timestamp comparable between processes on one machine: process.hrtime is
 * CLOCK_MONOTONIC on Linux, one clock for the whole system (performance.timeOrigin is fixed
 * per process at start-up and was seen ~0.5 ms apart between two processes).
 */
export const hrWall = () => Number(process.hrtime.bigint()) / 1e6;
