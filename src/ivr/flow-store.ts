import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { TFlow } from './flow-schema.js';
import { validateFlow } from './flow-validate.js';

export interface ActiveFlow {
  name: string;
  version: number;
  flow: TFlow;
}

export interface FlowStore {
  /** The active version, served from memory; other nodes' publishes are seen within `refreshMs`. */
  active(name: string): Promise<ActiveFlow | undefined>;
  /** One published version; versions never change, so they are cached for good. */
  version(name: string, version: number): Promise<ActiveFlow | undefined>;
  /** Validates and stores a new version, active at once. Invalid JSON is a 422 that stores nothing. */
  publish(name: string, definition: unknown, meta: { comment?: string; by?: string }): Promise<ActiveFlow>;
  versions(name: string): Promise<Array<{ version: number; active: boolean; comment: string | null; createdBy: string | null; createdAt: string }>>;
}

/** A node without the publish lock (an older release, mid-deploy) can still collide on the version number. */
function conflictOnRace(err: unknown): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
    throw new AppError('CONFLICT', 'another version of this flow was published at the same moment: reload and publish again');
  }
  throw err;
}

/** First key of the advisory lock that queues publishes of one flow (the second is the flow's name, hashed). */
const PUBLISH_LOCK = 0x1f10;

/** IVR flows as versioned data in the database, validated on the way in and cached on the way out. */
export function createFlowStore(db: Db, opts: { refreshMs?: number; now?: () => number } = {}): FlowStore {
  const refreshMs = opts.refreshMs ?? 5000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { value: ActiveFlow | undefined; loadedAt: number }>();
  const pinned = new Map<string, ActiveFlow>();

  async function load(name: string, version: number): Promise<ActiveFlow | undefined> {
    const row = await db.ivrFlow.findFirst({ where: { name, version } });
    if (!row) return undefined;
    const checked = validateFlow(row.definition);
    // A stored version was valid when published; if a later code change made it invalid, fail loudly.
    if (!checked.ok) throw new Error(`stored IVR flow ${name} v${row.version} no longer validates`);
    return { name, version: row.version, flow: checked.flow };
  }

  async function pinnedVersion(name: string, version: number): Promise<ActiveFlow | undefined> {
    const key = `${name}@${version}`;
    const hit = pinned.get(key);
    if (hit) return hit;
    const value = await load(name, version);
    if (value) pinned.set(key, value);
    return value;
  }

  /**
   * Which version is active now; its definition is read and validated only when that is not
   * the one already held (validating the demo flow takes ~2 ms of CPU, and each refresh under
   * load used to spend it once per call that arrived while the definition was being read).
   */
  async function reload(name: string, held: ActiveFlow | undefined): Promise<ActiveFlow | undefined> {
    const row = await db.ivrFlow.findFirst({ where: { name, active: true }, orderBy: { version: 'desc' }, select: { version: true } });
    if (!row) return undefined;
    if (held?.version === row.version) return held;
    return pinnedVersion(name, row.version);
  }

  // One refresh per flow at a time: the calls that arrive while it runs wait for the same one.
  const reloading = new Map<string, Promise<ActiveFlow | undefined>>();

  return {
    async active(name) {
      const hit = cache.get(name);
      if (hit && now() - hit.loadedAt < refreshMs) return hit.value;
      let pending = reloading.get(name);
      if (!pending) {
        pending = reload(name, hit?.value).finally(() => reloading.delete(name));
        reloading.set(name, pending);
      }
      try {
        const value = await pending;
        // A publish on this node while the refresh ran is newer than what the refresh read.
        const current = cache.get(name);
        if (current !== hit && current?.value && (!value || current.value.version > value.version)) return current.value;
        cache.set(name, { value, loadedAt: now() });
        return value;
      } catch (err) {
        // The database is slow or down: keep answering calls with the flow we already have.
        if (hit) return hit.value;
        throw err;
      }
    },

    version: pinnedVersion,

    async publish(name, definition, meta) {
      const checked = validateFlow(definition);
      if (!checked.ok) throw new AppError('UNPROCESSABLE', 'flow is invalid: nothing was published', { errors: checked.errors });
      if (checked.flow.name !== name) throw new AppError('UNPROCESSABLE', `name: flow says '${checked.flow.name}' but the URL says '${name}'`);
      // Publishes of one flow take turns (the lock ends with the transaction): two at the
      // same moment would otherwise both claim the next version number. The request names
      // no base version, so a 409 for the loser would only tell it that it was a millisecond
      // late; taking turns gives what publishing one after the other gives, on every node
      // and on PGlite alike: each its own version, the last to commit active.
      const version = await db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK}::int4, hashtext(${name}))`;
        const last = await tx.ivrFlow.findFirst({ where: { name }, orderBy: { version: 'desc' }, select: { version: true } });
        const next = (last?.version ?? 0) + 1;
        await tx.ivrFlow.updateMany({ where: { name, active: true }, data: { active: false } });
        await tx.ivrFlow.create({
          data: { name, version: next, definition: checked.flow as object, active: true, comment: meta.comment ?? null, createdBy: meta.by ?? null },
        });
        return next;
      }).catch(conflictOnRace);
      const value = { name, version, flow: checked.flow };
      // Concurrent publishes can finish here out of commit order: never cache an older one.
      const cached = cache.get(name)?.value;
      if (!cached || cached.version < version) cache.set(name, { value, loadedAt: now() });
      return value;
    },

    async versions(name) {
      const rows = await db.ivrFlow.findMany({ where: { name }, orderBy: { version: 'desc' } });
      return rows.map((r) => ({ version: r.version, active: r.active, comment: r.comment, createdBy: r.createdBy, createdAt: r.createdAt.toISOString() }));
    },
  };
}
