// npm run token -- --user <id> --role <SEEKER|EMPLOYER|ANALYST|ADMIN> [--company <id>] [--expires 12h]
// Prints a token signed with JWT_SECRET (or the development secret), for GraphiQL's headers tab:
//   { "Authorization": "Bearer <token>" }
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { ROLES, signToken, type Role } from '../src/auth/viewer';

function fail(message: string): never {
  console.error(`${message}\nusage: npm run token -- --user <id> --role <${ROLES.join('|')}> [--company <id>] [--expires 12h]`);
  process.exit(1);
}

try {
  const { values } = parseArgs({ options: { user: { type: 'string' }, role: { type: 'string' }, company: { type: 'string' }, expires: { type: 'string', default: '12h' } } });
  const userId = Number(values.user);
  if (!Number.isInteger(userId) || userId < 1) fail('--user must be a user id');
  const role = values.role?.toUpperCase() as Role;
  if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const companyId = values.company == null ? null : Number(values.company);
  if (role === 'EMPLOYER' && !(Number.isInteger(companyId) && companyId! > 0)) fail('an EMPLOYER token needs --company <id>');
  const config = loadConfig();
  console.log(signToken({ userId, role, companyId: role === 'EMPLOYER' ? companyId : null }, config.JWT_SECRET, values.expires as never));
} catch (err) {
  fail((err as Error).message);
}
