import { parseArgs } from 'node:util';
import { isRole, ROLES, type Role } from '@ledger/domain';
import { TokenVerifier } from '@ledger/http';
import type { LedgerConfig } from '@ledger/config';
import { UsageError } from '../usage-error.js';

export function tokenCommand(args: string[], env: NodeJS.ProcessEnv): string {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  });
  const secret = env.LEDGER_JWT_SECRET;
  if (!secret || secret.length < 32) throw new UsageError('LEDGER_JWT_SECRET (at least 32 characters) is needed to mint tokens');
  if (!values.sub) throw new UsageError('--sub is required');
  const roles = values.role ?? [];
  const unknown = roles.filter((r) => !isRole(r));
  if (roles.length === 0 || unknown.length > 0) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`);
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 31 * 24 * 3600) throw new UsageError('--ttl must be 1..2678400 seconds');
  const verifier = new TokenVerifier({ LEDGER_JWT_SECRET: secret } as LedgerConfig);
  return verifier.mint({ sub: values.sub, roles: roles as Role[] }, ttl);
}
