import { z } from 'zod';
import { AppError } from '../errors.js';

/** A disposition code: what wrap-up stores and what the admin's list holds. */
export const DISPOSITION_CODE = /^[a-z][a-z0-9_]{0,39}$/;
export const DISPOSITION_CODE_HINT = 'must be a disposition code (a lower-case word such as billing_resolved)';
export const MAX_DISPOSITION_CODES = 200;

const ZLabel = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters');
const ZQueueName = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a lower-case queue name');

const ZDispositionCode = z.strictObject({
  code: z.string({ error: 'must be text' }).regex(DISPOSITION_CODE, DISPOSITION_CODE_HINT),
  label: z.strictObject({ ar: ZLabel, en: ZLabel }, { error: 'must be { ar, en }' }),
  // Left out: the code applies to every queue. An empty list would say the same less clearly.
  queues: z.array(ZQueueName).min(1, 'must name at least one queue (leave it out for every queue)').max(100).optional(),
});

/** `PUT /api/dispositions`: the whole list, in the order agents see it. */
export const ZDispositionList = z.strictObject({
  codes: z
    .array(ZDispositionCode)
    .max(MAX_DISPOSITION_CODES, `must hold at most ${MAX_DISPOSITION_CODES} codes`)
    .superRefine((codes, ctx) => {
      const seen = new Set<string>();
      codes.forEach((c, i) => {
        if (seen.has(c.code)) ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `'${c.code}' is listed twice` });
        seen.add(c.code);
      });
    }),
});
export type TDispositionList = z.infer<typeof ZDispositionList>;

export interface DispositionCode {
  code: string;
  label: { ar: string; en: string };
  /** Absent: every queue. */
  queues?: string[];
}

/** The `DispositionCode` table (src/calls/disposition-store.ts). */
export interface DispositionStore {
  /** In the admin's order. */
  list(): Promise<DispositionCode[]>;
  /** Replaces the whole list at once: a reader sees the old list or the new one, never a mix. */
  replace(codes: DispositionCode[], by: string, at: Date): Promise<DispositionCode[]>;
}

/** The codes an agent may choose for a call of this queue: those for it and those for every queue. */
export function codesForQueue(codes: DispositionCode[], queue: string): DispositionCode[] {
  return codes.filter((c) => !c.queues || c.queues.includes(queue));
}

/** The admin's new list, every queue it names checked against the routing queues that exist. */
export async function replaceDispositions(
  deps: { store: DispositionStore; queueNames: () => Promise<string[]> },
  input: { list: TDispositionList; by: string; at: Date },
): Promise<DispositionCode[]> {
  const known = new Set(await deps.queueNames());
  input.list.codes.forEach((c, i) =>
    c.queues?.forEach((q, j) => {
      if (!known.has(q)) {
        const field = `codes.${i}.queues.${j}`;
        throw new AppError('BAD_REQUEST', `${field}: no queue '${q}'`, { issues: [{ field, message: `no queue '${q}'` }] });
      }
    }),
  );
  const codes = input.list.codes.map((c) => ({ code: c.code, label: c.label, ...(c.queues ? { queues: [...new Set(c.queues)] } : {}) }));
  return deps.store.replace(codes, input.by, input.at);
}

/**
 * Whether wrap-up may store this code for a call of this queue. With no codes configured at
 * all any well-formed code passes: deployments from before the list existed keep working.
 */
export async function checkDisposition(store: Pick<DispositionStore, 'list'>, queue: string, code: string): Promise<void> {
  const codes = await store.list();
  if (codes.length === 0) return;
  if (codesForQueue(codes, queue).some((c) => c.code === code)) return;
  const message = `'${code}' is not a disposition code of queue '${queue}'`;
  throw new AppError('BAD_REQUEST', `disposition: ${message}`, { issues: [{ field: 'disposition', message }] });
}
