import type { Db } from '../db/client.js';
import type { DispositionCode, DispositionStore } from './dispositions.js';

// Any constant: the key of the advisory lock that serialises replacements, so two admins'
// saves at once end as one list or the other rather than a duplicate-key error.
const REPLACE_LOCK = 0x0d15;

type Row = { code: string; labelAr: string; labelEn: string; queues: string[] };
const toCode = (r: Row): DispositionCode => ({ code: r.code, label: { ar: r.labelAr, en: r.labelEn }, ...(r.queues.length ? { queues: r.queues } : {}) });

/** The admin's disposition codes (the `DispositionCode` table's one writer). */
export function createDispositionStore(db: Db): DispositionStore {
  async function list() {
    const rows = await db.dispositionCode.findMany({ orderBy: { position: 'asc' }, select: { code: true, labelAr: true, labelEn: true, queues: true } });
    return rows.map(toCode);
  }
  return {
    list,
    async replace(codes, by, at) {
      await db.$transaction([
        db.$executeRaw`SELECT pg_advisory_xact_lock(${REPLACE_LOCK})`,
        db.dispositionCode.deleteMany({}),
        db.dispositionCode.createMany({
          data: codes.map((c, position) => ({ code: c.code, labelAr: c.label.ar, labelEn: c.label.en, queues: c.queues ?? [], position, updatedBy: by, updatedAt: at })),
        }),
      ]);
      return list();
    },
  };
}
