// npm run build:lambda -> dist/lambda/index.mjs (+ sourcemap): every Lambda entry of
// src/lambda.ts in one ES module bundle, which serverless.yml packages.
//
// Prisma 7's generated client (engineType "client") carries its query compiler as wasm
// encoded in a JS module, which esbuild bundles like any other; nothing is copied beside it.
// What Lambda never runs is left out: the embedded database (PGlite, Lambda has no disk for
// it) and the schema engine (migrations run from a machine, `npm run migrate`).
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const LAMBDA_OUT_DIR = path.join(root, 'dist/lambda');

/** Modules replaced by a stub that throws when used: Lambda mode never reaches them. */
const NOT_IN_LAMBDA: Record<string, string[]> = {
  '@electric-sql/pglite': ['PGlite'],
  'pglite-prisma-adapter': ['PrismaPGlite'],
  '@prisma/schema-engine-wasm/schema_engine_bg': ['__wbg_set_wasm', 'SchemaEngine'],
  '@prisma/schema-engine-wasm': ['SchemaEngine'],
};

const leaveOut: Plugin = {
  name: 'not-in-lambda',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(NOT_IN_LAMBDA).map((m) => m.replace(/[/.-]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'not-in-lambda' }));
    b.onLoad({ filter: /.*/, namespace: 'not-in-lambda' }, (args) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`${args.path} is not part of the Lambda bundle (DATABASE_URL is required; migrate from a machine)`)}); };
${(NOT_IN_LAMBDA[args.path] ?? []).map((name) => `export const ${name} = new Proxy(function () {}, { construct: no, apply: no, get: no });`).join('\n')}
export default {};`,
      loader: 'js',
    }));
  },
};

export async function buildLambda(opts: { outDir?: string; minify?: boolean } = {}): Promise<{ file: string; bytes: number }> {
  const outDir = opts.outDir ?? LAMBDA_OUT_DIR;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'index.mjs');
  await build({
    entryPoints: [path.join(root, 'src/lambda.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: opts.minify ?? true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    plugins: [leaveOut],
    logLevel: 'warning',
    // The bundle is ESM; some of its CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __ccRequire } from 'node:module'; const require = __ccRequire(import.meta.url);" },
  });
  return { file, bytes: statSync(file).size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { file, bytes } = await buildLambda();
  console.log(`${path.relative(root, file)}  ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
}
