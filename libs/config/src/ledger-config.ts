import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() || undefined : value;

/**
 * Every setting the ledger reads, by the names of API.md "Configuration names". Values come only
 * from the environment; a bad value stops the process with a message naming the variable.
 */
export class LedgerConfig {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT = 3000;

  /** Postgres URL the application connects with (the role holding only INSERT/SELECT on the ledger). */
  @Transform(trimmed)
  @IsString({ message: 'DATABASE_URL is required (postgres://user@host:port/database)' })
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  /** Postgres URL of the schema owner; migrations run as this role. Defaults to DATABASE_URL. */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_OWNER_URL must be a postgres:// URL' })
  DATABASE_OWNER_URL?: string;

  /** Without it the ledger feeds its projections in process from the sequenced log (embedded default). */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]+:\d{1,5}(,[A-Za-z0-9._-]+:\d{1,5})*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
  })
  KAFKA_BROKERS?: string;

  @Transform(trimmed)
  @Matches(/^[A-Za-z0-9._-]{1,249}$/, { message: 'KAFKA_TOPIC must be a valid Kafka topic name' })
  KAFKA_TOPIC = 'ledger.events.v1';

  @Transform(trimmed)
  @Matches(/^[^\s+\u2014]+$/, { message: 'LEDGER_ORIGIN must be non-empty, without spaces or "+"' })
  LEDGER_ORIGIN = 'ledger.localhost/dev';

  /** Ed25519 private key, PKCS#8 PEM. Without it a development ledger generates one and keeps it. */
  @IsOptional()
  @Matches(/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/, {
    message: 'LEDGER_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM',
  })
  LEDGER_SIGNING_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'LEDGER_JWT_SECRET must be at least 32 characters' })
  LEDGER_JWT_SECRET?: string;

  @Transform(trimmed)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['https', 'http'] }, { message: 'LEDGER_JWKS_URL must be an http(s) URL' })
  LEDGER_JWKS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'LEDGER_MASTER_KEY must be 32 bytes in base64' })
  LEDGER_MASTER_KEY?: string;

  /** The master key being rotated away from: data keys it wrapped are still opened, and rewrapped by `ledger rotate-master-key`. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'LEDGER_MASTER_KEY_PREVIOUS must be 32 bytes in base64' })
  LEDGER_MASTER_KEY_PREVIOUS?: string;

  @Transform(trimmed)
  @IsOptional()
  @IsString()
  LEDGER_DATA_DIR?: string;

  @Transform(toInt)
  @IsInt({ message: 'LEDGER_RATE_LIMIT must be a non-negative integer (requests per minute per user)' })
  @Min(0, { message: 'LEDGER_RATE_LIMIT must be a non-negative integer (requests per minute per user)' })
  LEDGER_RATE_LIMIT = 1200;

  /**
   * HTTP API processes (node:cluster workers sharing PORT) behind `npm run start:api` and
   * `npm run start:stack`: one Node thread serves at most about 550 POST /claims per second, so
   * a machine with more cores runs more. 1 (the default) is a single process; the embedded
   * default (one PGlite session) always runs one.
   */
  @Transform(toInt)
  @IsInt({ message: 'LEDGER_API_WORKERS must be an integer from 1 to 64' })
  @Min(1, { message: 'LEDGER_API_WORKERS must be an integer from 1 to 64' })
  @Max(64, { message: 'LEDGER_API_WORKERS must be an integer from 1 to 64' })
  LEDGER_API_WORKERS = 1;

  /** Independent approvals that make a claim verified. */
  @Transform(toInt)
  @IsInt({ message: 'LEDGER_REQUIRED_APPROVALS must be an integer from 1 to 9' })
  @Min(1, { message: 'LEDGER_REQUIRED_APPROVALS must be an integer from 1 to 9' })
  @Max(9, { message: 'LEDGER_REQUIRED_APPROVALS must be an integer from 1 to 9' })
  LEDGER_REQUIRED_APPROVALS = 2;

  @Transform(trimmed)
  @IsIn(['debug', 'log', 'warn', 'error'], { message: 'LOG_LEVEL must be one of debug, log, warn, error' })
  LOG_LEVEL: 'debug' | 'log' | 'warn' | 'error' = 'log';

  /** Kafka carries the feed when brokers are configured; otherwise the sequenced log does, in process. */
  get usesKafka(): boolean {
    return this.KAFKA_BROKERS !== undefined;
  }

  get kafkaBrokers(): string[] {
    if (this.KAFKA_BROKERS === undefined) throw new Error('KAFKA_BROKERS is not configured');
    return this.KAFKA_BROKERS.split(',');
  }

  get ownerDatabaseUrl(): string {
    return this.DATABASE_OWNER_URL ?? this.DATABASE_URL;
  }
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

const KNOWN = new Set(Object.keys(new LedgerConfig()).concat(['DATABASE_URL', 'KAFKA_BROKERS']));

/** Reads and validates the configuration; throws ConfigurationError naming every bad variable. */
/**
 * Settings of every application connection: a forgotten open transaction anywhere holds the
 * sequencer back (SEQUENCER.md "Things that bite"), so none may idle in one or run for ever.
 */
export const LEDGER_SESSION_OPTIONS = '-c idle_in_transaction_session_timeout=60000 -c statement_timeout=60000';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const raw: Record<string, string> = {};
  for (const key of KNOWN) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(LedgerConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigurationError(errors.flatMap(describe));
  if (!config.LEDGER_JWT_SECRET && !config.LEDGER_JWKS_URL) {
    throw new ConfigurationError(['LEDGER_JWT_SECRET or LEDGER_JWKS_URL must be set to authenticate requests']);
  }
  return config;
}

/** The most telling constraint first: "is required" before "must be at most". */
const PRIORITY = ['isString', 'isInt', 'matches', 'isIn', 'isUrl', 'minLength', 'min', 'max'];

function describe(error: ValidationError): string[] {
  // Messages never echo the value: it may be a secret.
  const constraints = error.constraints ?? {};
  const key = PRIORITY.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  return [key ? constraints[key] : `${error.property} is invalid`];
}
