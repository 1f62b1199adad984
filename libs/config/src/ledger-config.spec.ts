import { ConfigurationError, loadConfig } from './ledger-config.js';

const valid = {
  DATABASE_URL: 'postgres://ledger_app@127.0.0.1:5432/ledger',
  KAFKA_BROKERS: '127.0.0.1:9092',
  LEDGER_JWT_SECRET: 'x'.repeat(32),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({ PORT: 3000, KAFKA_TOPIC: 'ledger.events.v1', LEDGER_RATE_LIMIT: 1200, LEDGER_API_WORKERS: 1 });
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.ownerDatabaseUrl).toBe(valid.DATABASE_URL);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_TOPIC', 'no spaces allowed'],
    ['LEDGER_ORIGIN', 'ledger example+org'],
    ['LEDGER_SIGNING_KEY', 'not a pem'],
    ['LEDGER_JWT_SECRET', 'short'],
    ['LEDGER_MASTER_KEY', 'abc'],
    ['LEDGER_RATE_LIMIT', '-1'],
    ['LEDGER_API_WORKERS', '0'],
    ['LEDGER_API_WORKERS', 'many'],
  ])('names %s when its value is bad, without echoing the value', (name, value) => {
    const found = problems({ ...valid, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(name);
    expect(found[0]).not.toContain(value);
  });

  it('names a missing DATABASE_URL (the embedded default provides one before the configuration is read)', () => {
    const found = problems({ LEDGER_JWT_SECRET: valid.LEDGER_JWT_SECRET });
    expect(found).toEqual([expect.stringMatching(/DATABASE_URL is required/)]);
  });

  it('runs without Kafka when KAFKA_BROKERS is not set: the feed is then the sequenced log', () => {
    const config = loadConfig({ DATABASE_URL: valid.DATABASE_URL, LEDGER_JWT_SECRET: valid.LEDGER_JWT_SECRET });
    expect(config.usesKafka).toBe(false);
    expect(() => config.kafkaBrokers).toThrow(/KAFKA_BROKERS is not configured/);
    expect(loadConfig(valid).usesKafka).toBe(true);
  });

  it('authenticates with only LEDGER_JWKS_URL (production: RS256/EdDSA from the identity provider)', () => {
    const config = loadConfig({ DATABASE_URL: valid.DATABASE_URL, KAFKA_BROKERS: valid.KAFKA_BROKERS, LEDGER_JWKS_URL: 'https://id.example.org/jwks' });
    expect(config.LEDGER_JWKS_URL).toBe('https://id.example.org/jwks');
    expect(config.LEDGER_JWT_SECRET).toBeUndefined();
  });

  it('names a LEDGER_JWKS_URL that is not an http(s) URL', () => {
    expect(problems({ ...valid, LEDGER_JWKS_URL: 'file:///etc/jwks.json' })[0]).toMatch(/LEDGER_JWKS_URL must be an http\(s\) URL/);
  });

  it('needs a way to authenticate requests', () => {
    expect(problems({ DATABASE_URL: valid.DATABASE_URL, KAFKA_BROKERS: valid.KAFKA_BROKERS })[0]).toMatch(/LEDGER_JWT_SECRET or LEDGER_JWKS_URL/);
  });
});
