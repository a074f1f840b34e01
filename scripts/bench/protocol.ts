/** Messages between the orchestrator (webhook.ts) and its server children over the fork IPC channel. */
export type ChildReady = {
  type: 'ready';
  port: number;
  info: Record<string, string | number>;
};

export type ParentRequest =
  | { type: 'explain'; phone: string }
  | { type: 'stats' }
  | { type: 'cpu' }
  | { type: 'shutdown' };

export type ChildReply =
  | { type: 'explain'; sql: string; plan: string }
  | { type: 'stats'; calls: number; interactions: number; knownCalls: number }
  | { type: 'cpu'; ms: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

export const AUTH_TOKEN = 'test-auth-token-0123456789';
export const PUBLIC_BASE_URL = 'https://cc.example.test';
export const VOICE_PATH = '/webhooks/twilio/voice';
