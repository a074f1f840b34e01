import { z } from 'zod';
import type { Db } from '../db/client.js';

export const ZAgentInput = z.object({
  name: z.string().trim().min(1).max(200),
  skills: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'skill names are lower-case words'), z.number().int().min(1).max(10)).default({}),
  languages: z.array(z.enum(['ar', 'en'])).min(1).default(['ar']),
  twilioIdentity: z.string().regex(/^[A-Za-z0-9_.-]{1,121}$/, 'must be a Twilio client identity').optional(),
  connectAgentArn: z.string().regex(/^arn:aws[a-z-]*:connect:/, 'must be an Amazon Connect agent ARN').optional(),
  /** Queues served; empty means every queue. */
  queues: z.array(z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a queue name')).max(50).default([]),
  maxConcurrency: z.number().int().min(1).max(10).default(1),
  wrapUpSeconds: z.number().int().min(0).max(3600).default(30),
});
export type TAgentInput = z.infer<typeof ZAgentInput>;
/** What callers may pass: defaults (queues, concurrency, wrap-up) are applied by the repository. */
export type TAgentInputLoose = z.input<typeof ZAgentInput>;

export interface Agent extends TAgentInput {
  id: string;
  updatedAt: string;
}

/** What the softphone is greeted with: who the agent is, their state, and their last message number. */
export interface SoftphoneProfile {
  id: string;
  name: string;
  languages: string[];
  state: string;
  stateReason: string | null;
  lastSeq: number;
}

export interface AgentRepo {
  upsert(id: string, input: TAgentInputLoose): Promise<{ agent: Agent; created: boolean }>;
  get(id: string): Promise<Agent | undefined>;
  /** The agent an Amazon Connect user ARN belongs to (contact events name agents by it). */
  byConnectArn(arn: string): Promise<Agent | undefined>;
  list(): Promise<Agent[]>;
  /** One read that both admits an agent's softphone and greets it. */
  softphoneProfile(id: string): Promise<SoftphoneProfile | undefined>;
}

type Row = Awaited<ReturnType<Db['agent']['findUniqueOrThrow']>>;

function toAgent(row: Row): Agent {
  return {
    id: row.id,
    name: row.name,
    skills: row.skills as Record<string, number>,
    languages: row.languages as Array<'ar' | 'en'>,
    ...(row.twilioIdentity ? { twilioIdentity: row.twilioIdentity } : {}),
    ...(row.connectAgentArn ? { connectAgentArn: row.connectAgentArn } : {}),
    queues: row.queues,
    maxConcurrency: row.maxConcurrency,
    wrapUpSeconds: row.wrapUpSeconds,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Agent profiles (skills, languages, queues, softphone identities): the only writer of those
 * columns. State is agent-state-store.ts's, the message counter agent-messages.ts's.
 */
export function createAgentRepo(db: Db): AgentRepo {
  return {
    async upsert(id, loose) {
      const input = ZAgentInput.parse(loose);
      const data = {
        name: input.name,
        skills: input.skills,
        languages: input.languages,
        twilioIdentity: input.twilioIdentity ?? null,
        connectAgentArn: input.connectAgentArn ?? null,
        queues: input.queues,
        maxConcurrency: input.maxConcurrency,
        wrapUpSeconds: input.wrapUpSeconds,
      };
      const existing = await db.agent.findUnique({ where: { id }, select: { id: true } });
      const row = await db.agent.upsert({ where: { id }, create: { id, ...data }, update: data });
      return { agent: toAgent(row), created: !existing };
    },
    async get(id) {
      const row = await db.agent.findUnique({ where: { id } });
      return row ? toAgent(row) : undefined;
    },
    async byConnectArn(arn) {
      const row = await db.agent.findFirst({ where: { connectAgentArn: arn }, orderBy: { id: 'asc' } });
      return row ? toAgent(row) : undefined;
    },
    async list() {
      return (await db.agent.findMany({ orderBy: { id: 'asc' } })).map(toAgent);
    },
    async softphoneProfile(id) {
      const row = await db.agent.findUnique({ where: { id }, select: { id: true, name: true, languages: true, state: true, stateReason: true, lastSeq: true } });
      return row ?? undefined;
    },
  };
}
