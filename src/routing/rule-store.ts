import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { EventBus } from '../realtime/event-bus.js';
import { compileRuleSet, diffRuleSets, validateRuleSet, ZRuleSet, type CompiledRuleSet, type KnownNames, type RuleSetDiff, type TRuleSet, type ValidationResult } from './rules/index.js';

export const RULES_CHANNEL = 'routing.rules';

/** Before any publish: everything to the general queue. */
const BUILT_IN: TRuleSet = ZRuleSet.parse({ rules: [], default: { queue: 'general', priority: 10 } });

/** Two admins publishing at the same instant both computed the same next version. */
function conflictOnRace(err: unknown): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
    throw new AppError('CONFLICT', 'another version was published at the same moment: reload and publish again');
  }
  throw err;
}

export interface RuleVersionInfo {
  version: number;
  active: boolean;
  comment: string | null;
  createdBy: string;
  createdAt: string;
}

export interface RuleStore {
  /** The live rule set, compiled; other nodes' publishes arrive over the bus (and by a short re-check). */
  active(): Promise<CompiledRuleSet>;
  knownNames(): Promise<KnownNames>;
  validate(json: unknown): Promise<ValidationResult>;
  publish(json: unknown, meta: { by: string; comment?: string }): Promise<{ version: number }>;
  rollback(version: number, meta: { by: string; comment?: string }): Promise<{ version: number }>;
  get(version: number): Promise<TRuleSet>;
  versions(): Promise<RuleVersionInfo[]>;
  diff(from: number, to: number): Promise<RuleSetDiff>;
  audit(limit: number): Promise<Array<{ action: string; version: number; fromVersion: number | null; by: string; comment: string | null; at: string }>>;
  addQueue(name: string, displayName: Record<string, string>): Promise<void>;
}

/** Versioned routing rules in the database: validated in, compiled once per version out. */
export function createRuleStore(deps: { db: Db; bus: EventBus; recheckMs?: number; now?: () => number }): RuleStore {
  const now = deps.now ?? Date.now;
  const recheckMs = deps.recheckMs ?? 2000;
  let cached: { compiled: CompiledRuleSet; checkedAt: number } | undefined;
  deps.bus.subscribe(RULES_CHANNEL, () => {
    cached = undefined;
  });

  async function activeVersion(): Promise<number> {
    return (await deps.db.routingActive.findUnique({ where: { id: 1 } }))?.version ?? 0;
  }

  async function load(version: number): Promise<TRuleSet> {
    if (version === 0) return BUILT_IN;
    const row = await deps.db.routingRuleSet.findUnique({ where: { version } });
    if (!row) throw new AppError('NOT_FOUND', `version: no rule set version ${version}`);
    return ZRuleSet.parse(row.document);
  }

  // What admins may name: rollback/get/diff. Version 0 is the built-in set, never published;
  // rolling back to it would silently send every call to general.
  async function loadPublished(version: number): Promise<TRuleSet> {
    if (!Number.isSafeInteger(version) || version < 1) throw new AppError('BAD_REQUEST', 'version: must be a published version number (a whole number from 1)');
    return load(version);
  }

  async function knownNames(): Promise<KnownNames> {
    const [queues, agents] = await Promise.all([deps.db.routingQueue.findMany({ select: { name: true } }), deps.db.agent.findMany({ select: { skills: true } })]);
    const skills = new Set<string>();
    for (const a of agents) for (const s of Object.keys(a.skills as Record<string, number>)) skills.add(s);
    return { queues: queues.map((q) => q.name), skills: [...skills] };
  }

  async function activate(version: number, action: 'publish' | 'rollback', meta: { by: string; comment?: string }, fromVersion: number, tx: Prisma.TransactionClient) {
    await tx.routingActive.upsert({ where: { id: 1 }, create: { id: 1, version }, update: { version } });
    await tx.routingAudit.create({ data: { action, version, fromVersion, by: meta.by, comment: meta.comment ?? null } });
  }

  async function announce(): Promise<void> {
    cached = undefined;
    await deps.bus.publish(RULES_CHANNEL, { changed: true });
  }

  return {
    knownNames,
    async active() {
      if (cached && now() - cached.checkedAt < recheckMs) return cached.compiled;
      try {
        const version = await activeVersion();
        const compiled = cached?.compiled.version === version ? cached.compiled : compileRuleSet(await load(version), version);
        cached = { compiled, checkedAt: now() };
        return compiled;
      } catch (err) {
        // The database is unreachable: keep routing with the rules we have.
        if (cached) return cached.compiled;
        throw err;
      }
    },

    async validate(json) {
      return validateRuleSet(json, await knownNames());
    },

    async publish(json, meta) {
      const checked = validateRuleSet(json, await knownNames());
      if (!checked.valid) throw new AppError('UNPROCESSABLE', 'rule set is invalid: nothing was published', { errors: checked.errors });
      const version = await deps.db
        .$transaction(async (tx) => {
          const last = await tx.routingRuleSet.findFirst({ orderBy: { version: 'desc' }, select: { version: true } });
          const from = (await tx.routingActive.findUnique({ where: { id: 1 } }))?.version ?? 0;
          const next = (last?.version ?? 0) + 1;
          const document = checked.ruleSet as unknown as Prisma.InputJsonValue;
          await tx.routingRuleSet.create({ data: { version: next, document, comment: meta.comment ?? null, createdBy: meta.by } });
          await activate(next, 'publish', meta, from, tx);
          return next;
        })
        .catch(conflictOnRace);
      await announce();
      return { version };
    },

    async rollback(version, meta) {
      const doc = await loadPublished(version);
      // Queues or skills may have gone since that version was written.
      const checked = validateRuleSet(doc, await knownNames());
      if (!checked.valid) throw new AppError('UNPROCESSABLE', `version ${version} no longer validates: nothing changed`, { errors: checked.errors });
      await deps.db.$transaction(async (tx) => activate(version, 'rollback', meta, (await tx.routingActive.findUnique({ where: { id: 1 } }))?.version ?? 0, tx));
      await announce();
      return { version };
    },

    get: loadPublished,

    async versions() {
      const [rows, active] = await Promise.all([deps.db.routingRuleSet.findMany({ orderBy: { version: 'desc' } }), activeVersion()]);
      return rows.map((r) => ({ version: r.version, active: r.version === active, comment: r.comment, createdBy: r.createdBy, createdAt: r.createdAt.toISOString() }));
    },

    async diff(from, to) {
      return diffRuleSets(await loadPublished(from), await loadPublished(to));
    },

    async audit(limit) {
      const rows = await deps.db.routingAudit.findMany({ orderBy: { at: 'desc' }, take: limit });
      return rows.map((r) => ({ action: r.action, version: r.version, fromVersion: r.fromVersion, by: r.by, comment: r.comment, at: r.at.toISOString() }));
    },

    async addQueue(name, displayName) {
      await deps.db.routingQueue.upsert({ where: { name }, create: { name, displayName }, update: { displayName } });
    },
  };
}
