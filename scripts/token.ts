// npm run token -- --user <id> --role <SEEKER|EMPLOYER|ANALYST|ADMIN> [--company <id>] [--expires 12h]
// (--expires: a timespan such as 90m, 12h, 7d; at most 30 days, the longest the gateway accepts)
// Prints a token signed with JWT_SECRET (or the development secret), for GraphiQL's headers tab:
//   { "Authorization": "Bearer <token>" }
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { ROLES, signToken, type Role } from '../src/auth/viewer';
import { INT4_MAX, toId } from '../src/errors';

function fail(message: string): never {
  console.error(`${message}\nusage: npm run token -- --user <id> --role <${ROLES.join('|')}> [--company <id>] [--expires 12h]`);
  process.exit(1);
}

try {
  const { values } = parseArgs({
    options: { user: { type: 'string' }, role: { type: 'string' }, company: { type: 'string' }, expires: { type: 'string', default: '12h' } },
  });
  const userId = toId(values.user);
  if (userId == null) fail(`--user must be a user id (1 to ${INT4_MAX})`);
  const role = values.role?.toUpperCase() as Role;
  if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const companyId = values.company == null ? null : toId(values.company);
  if (role === 'EMPLOYER' && companyId == null) fail(`an EMPLOYER token needs --company <id> (1 to ${INT4_MAX})`);
  // A bare number would be read as seconds: "30" is more likely meant as days, so ask for a unit.
  if (!/^\d+\s*[a-z]+$/i.test(values.expires)) fail(`--expires must be a number with a unit (90m, 12h, 7d), got ${JSON.stringify(values.expires)}`);
  const config = loadConfig();
  console.log(signToken({ userId, role, companyId: role === 'EMPLOYER' ? companyId : null }, config.JWT_SECRET, values.expires as never));
  // On stderr, so that `$(npm run -s token …)` is the token alone.
  console.error(
    process.env.JWT_SECRET
      ? `Signed with JWT_SECRET from the environment; valid ${values.expires}.`
      : `Signed with the development secret (JWT_SECRET is unset); valid ${values.expires}. Only a gateway without JWT_SECRET, outside production, accepts it.`,
  );
} catch (err) {
  fail((err as Error).message);
}
