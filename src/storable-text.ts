/**
 * PostgreSQL cannot store U+0000 in text or jsonb, and refuses a lone UTF-16 surrogate in
 * jsonb (JSON.parse happily produces both from `\u0000` and `\ud800`). Met only by the
 * database, either is a 500, possibly after part of a request was written; the edges (HTTP
 * `parseInput`, the agent socket) refuse them up front with this check instead.
 */

type Frame = { value: unknown; parent: Frame | undefined; key: string | number | undefined };

export interface UnstorableText {
  /** Where: object keys and array indexes from the root, as a field name such as `nodes.greet.prompt.en`. */
  path: Array<string | number>;
  reason: string;
}

const NUL = 'contains a NUL byte (\\u0000), which cannot be stored';
const SURROGATE = 'contains a lone UTF-16 surrogate, which is not valid Unicode';
const LONE_SURROGATE = /\p{Cs}/u;

function problem(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL;
  if (LONE_SURROGATE.test(text)) return SURROGATE;
  return undefined;
}

/** A key that holds the bad character is named with it escaped, since it cannot be printed. */
const printable = (key: string | number) =>
  typeof key === 'string' ? key.replace(/[\u0000\p{Cs}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : key;

function pathOf(frame: Frame): Array<string | number> {
  const path: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) path.unshift(printable(f.key));
  return path;
}

/**
 * The first string value or object key, at any depth, that PostgreSQL could not store, or
 * undefined. Walks with an explicit stack: a JSON body can nest deeper than the call stack.
 */
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  const stack: Frame[] = [{ value, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const reason = problem(v);
      if (reason) return { path: pathOf(frame), reason };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: frame, key: i });
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const next = { value: child, parent: frame, key };
        const reason = problem(key);
        if (reason) return { path: pathOf(next), reason: `name ${reason}` };
        stack.push(next);
      }
    }
  }
  return undefined;
}
