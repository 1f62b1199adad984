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

export const VERIFY_BUNDLE_USAGE = `verify-bundle <file> [--key <verifier key or file>] [--json]
      Checks an evidence bundle from POST /exports (docs/BUNDLE-FORMAT.md) offline, with no database:
      every event hash, chain link and inclusion proof, the checkpoint signature, the export's
      completeness manifest, sources, disclosures, provenance and the end digest. Exit 0 when
      everything holds, else 1 with the first failing line, seq, stream and version. --key pins the
      ledger's verifier key instead of trusting the one the bundle carries.`;

export const STATS_USAGE = `stats [--at-seq <n>] [--group-by <dim,...>] [--status <status|all>] [--<dimension> <value>] [--from <date>] [--to <date>] [--csv]
      Recomputes GET /stats/casualties from the ledger's own events as it stood at seq n (default:
      all of it): the same buckets, counts and claim-id hashes the API publishes for that seq.
      Dimensions: perpetrator, month, year, governorate, cause, age-group, sex, protected-role,
      civilian-status, incident.`;

export const DUPLICATES_USAGE = `duplicates [--min-score <0..1>] [--format csv|jsonl] [--out <file>]
      Lists every pair of claims that may be about one person (the claims read model, each pair
      once, claim_a filed before claim_b) with its score (default at least 0.8) and the reasons,
      as GET /claims/{id}/possible-duplicates scores them; written as found. docs/DUPLICATES.md.`;

export const REPLAY_USAGE = `replay <projection> --actor <opaque user id> [--role auditor|admin] [--swap] [--json]
      Rebuilds a read model (claims, incidents) from the start of the Kafka topic beside the live
      one, compares row counts and checksums per table, swaps them only with --swap, and records
      the replay in the ledger. Exit 0 when they match (or were swapped), 1 when they differ.`;

export const IMPORT_USAGE = `import --format vdc|gaza|csv [--mapping <file>] --actor <opaque user id> [--report <file>] [--batch-size <n>] [--concurrency <n>] [--dry-run] [--show-mapping] [--json] <file>
      Files every row of a casualty list as a claim (ClaimFiled + SourceAttached with the file's
      SHA-256), in transactions of --batch-size claims (1000), by the actor as documenter. Rows that
      are not claims go to the report (JSON Lines, default ./<file>.rejected.jsonl) with reasons.
      Re-running the same file files only what is missing. Exit 0 when the file was read to the end
      (rejections included), 1 when the import failed, 130 when interrupted. docs/IMPORT.md.`;

export const ROTATE_USAGE = `rotate-master-key
      Rewraps every witness data key under LEDGER_MASTER_KEY (the new master key), opening them with
      LEDGER_MASTER_KEY_PREVIOUS (the old one). The ledger is not rewritten.`;

export const USAGE = `usage: npm run ledger -- <command> [options]

commands:
  ${TOKEN_USAGE}
  ${MIGRATE_USAGE}
  ${VERIFY_USAGE}
  ${VERIFY_BUNDLE_USAGE}
  ${STATS_USAGE}
  ${DUPLICATES_USAGE}
  ${REPLAY_USAGE}
  ${IMPORT_USAGE}
  ${ROTATE_USAGE}`;
