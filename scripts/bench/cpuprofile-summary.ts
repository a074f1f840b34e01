/**
 * npx tsx scripts/bench/cpuprofile-summary.ts FILE.cpuprofile [top]
 * Self time of a V8 CPU profile (node --cpu-prof) grouped by package and by function.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpuprofile-summary.ts FILE [top]');
const top = Number(topArg ?? '25');
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function bucket(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node core';
  const rel = /\/work\/main\/(.*)$/.exec(url.replace('file://', ''));
  return rel ? `app: ${rel[1]!.split('/').slice(0, 2).join('/')}` : url;
}

const pkg = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const b = bucket(n.callFrame.url, n.callFrame.functionName);
  pkg.set(b, (pkg.get(b) ?? 0) + t);
  const f = `${n.callFrame.functionName || '(anonymous)'}  ${n.callFrame.url.replace(/^.*node_modules\//, '').replace('file:///work/main/', '')}:${n.callFrame.lineNumber + 1}`;
  fns.set(f, (fns.get(f) ?? 0) + t);
}
const show = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)} %  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join('\n');
console.log(`profile ${((prof.endTime - prof.startTime) / 1e6).toFixed(1)} s wall, ${(total / 1000).toFixed(0)} ms sampled\n\nself time by package:\n${show(pkg)}\n\nself time by function:\n${show(fns)}`);
