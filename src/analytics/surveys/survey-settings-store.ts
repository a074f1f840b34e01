import type { Db } from '../../db/client.js';

export interface QueueSurveySetting {
  queue: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** Which queues ask their callers for a post-call survey (the `QueueSurvey` table's one writer). */
export interface SurveySettingsStore {
  /** A queue never configured asks none. */
  get(queue: string): Promise<QueueSurveySetting>;
  set(queue: string, enabled: boolean, by: string, at: Date): Promise<QueueSurveySetting>;
}

export function createSurveySettingsStore(db: Db): SurveySettingsStore {
  return {
    async get(queue) {
      const row = await db.queueSurvey.findUnique({ where: { queue } });
      return row ? { queue, enabled: row.enabled, updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() } : { queue, enabled: false, updatedBy: null, updatedAt: null };
    },
    async set(queue, enabled, by, at) {
      const row = await db.queueSurvey.upsert({
        where: { queue },
        create: { queue, enabled, updatedBy: by, updatedAt: at },
        update: { enabled, updatedBy: by, updatedAt: at },
      });
      return { queue, enabled: row.enabled, updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() };
    },
  };
}
