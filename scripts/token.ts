// npm run token -- --role admin [--sub alice] [--expires 12h]
// Prints a bearer token signed with JWT_SECRET (or the one generated into DATA_DIR).
import { parseArgs } from 'node:util';
import { signToken, ZRole } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';

const { values } = parseArgs({ options: { role: { type: 'string', default: 'admin' }, sub: { type: 'string' }, expires: { type: 'string', default: '12h' } } });
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
console.log(signToken(config.jwt.secret, { sub: values.sub ?? `local-${role.data}`, role: role.data }, values.expires as never));
