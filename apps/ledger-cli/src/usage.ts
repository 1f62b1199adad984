import { ROLES } from '@ledger/domain';

// The usage texts live apart from the commands, so printing them loads none of the commands' code.

export const TOKEN_USAGE = `token --sub <opaque user id> --role <role> [--role <role> ...] [--ttl <seconds>]
  Mints a development token (HS256, LEDGER_JWT_SECRET). Roles: ${ROLES.join(', ')}.`;

export const MIGRATE_USAGE = `migrate
      Applies pending database migrations as the schema owner and grants the application role.`;

export const VERIFY_USAGE = `verify [--json] [--key <verifier key or file>] [--checkpoint <file>]
      Streams the whole ledger (DATABASE_URL) and recomputes every event hash, chain link, leaf,
      stored Merkle node, checkpoint root and signature. Exit 0 when everything checks out, else 1
      with the first seq that does not. --key pins the verifier key instead of trusting the one in
      the database; --checkpoint checks the ledger against a checkpoint note kept elsewhere.`;

export const USAGE = `usage: npm run ledger -- <command> [options]

commands:
  ${TOKEN_USAGE}
  ${MIGRATE_USAGE}
  ${VERIFY_USAGE}`;
