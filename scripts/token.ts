// npm run token -- --role admin [--sub alice] [--expires 12h] [--scope 'customers:read timeline:read']
// Prints a bearer token signed with JWT_SECRET (or the one generated into DATA_DIR). It
// lives 12 h, or JWT_MAX_LIFETIME_SECONDS if that is shorter; --expires may not go past it.
import { parseArgs } from 'node:util';
import { createTokenVerifier, signToken, ZRole } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { AppError } from '../src/errors.js';

const { values } = parseArgs({ options: { role: { type: 'string', default: 'admin' }, sub: { type: 'string' }, expires: { type: 'string' }, scope: { type: 'string' } } });
const role = ZRole.safeParse(values.role);
if (!role.success) {
  console.error(`--role must be one of ${ZRole.options.join(', ')}`);
  process.exit(2);
}
const config = loadConfig(process.env);
if (!config.jwt.secret) {
  console.error('JWT_PUBLIC_KEY is set: tokens come from your identity provider, not from this script');
  process.exit(2);
}
const expires = values.expires ?? Math.min(12 * 3600, config.jwt.maxLifetimeSeconds ?? 12 * 3600);
let token: string;
try {
  // A service token reads what its scope names (README: Data protection).
  const scopes = values.scope?.split(/\s+/).filter(Boolean);
  token = signToken(config.jwt.secret, { sub: values.sub ?? `local-${role.data}`, role: role.data, ...(scopes?.length ? { scopes } : {}) }, expires as never);
  // Only print what the server will take.
  createTokenVerifier(config.jwt).verify(token);
} catch (err) {
  const why = err instanceof AppError ? `${err.message} (JWT_MAX_LIFETIME_SECONDS)` : (err as Error).message;
  console.error(`--expires ${values.expires}: ${why}`);
  process.exit(2);
}
console.log(token);
