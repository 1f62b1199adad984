import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { summarize } from './stats.js';
import { CLAIM_BODY } from './workload.js';

export interface HttpResult {
  concurrency: number;
  seconds: number;
  commands: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  firstError?: string;
}

export interface Reply {
  status: number;
  body: string;
}

const BODY = Buffer.from(JSON.stringify(CLAIM_BODY), 'utf8');

/** One POST /claims on a keep-alive agent, with a fresh Idempotency-Key (shared by the load generators). */
export function postClaim(agent: Agent, url: URL, token: string, body: Buffer = BODY): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/claims',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${token}`,
          'idempotency-key': randomUUID(),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `concurrency` clients, each sending POST /claims back to back on its own keep-alive connection
 * for `durationMs`. Plain node:http rather than fetch: the generator shares the two cores with the
 * app, so it should spend as little CPU per request as it can.
 */
export async function httpLoad(baseUrl: string, token: string, concurrency: number, durationMs: number): Promise<HttpResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const reply = await postClaim(agent, url, token);
        if (reply.status === 201) latencies.push(performance.now() - sent);
        else {
          errors += 1;
          firstError ??= `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`;
        }
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const { p50, p99, max } = summarize(latencies);
  return { concurrency, seconds, commands: latencies.length, rate: latencies.length / seconds, p50, p99, max, errors, firstError };
}
