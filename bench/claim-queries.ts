import { Agent, request } from 'node:http';
import type { ClaimDetails } from '@ledger/domain';
import { random } from './casualty-data.js';
import { summarize, type LatencySummary } from './stats.js';

/** What readers of the claim list do, as GET /claims query strings. */
export const QUERY_KINDS = ['filters', 'arabic-diacritics', 'arabic-hamza', 'latin-case', 'two-words', 'text+filters', 'next-page'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export const QUERY_KIND_NOTES: Record<QueryKind, string> = {
  filters: 'status=all&governorate&sex=female&ageGroup=child, or governorate&cause&year, or civilianStatus&sex&month',
  'arabic-diacritics': 'a given name in Arabic with tashkeel added (مُحَمَّد)',
  'arabic-hamza': 'an Arabic name part with its hamza dropped or added (احمد for أحمد)',
  'latin-case': 'a Latin family or given name in another case (HAMDAN, abazeid)',
  'two-words': 'given and family name, Arabic or Latin',
  'text+filters': 'a Latin given name with governorate and sex',
  'next-page': 'the page after a broad list (governorate, or a common given name): the `next` cursor followed',
};

export interface QuerySpec {
  kind: QueryKind;
  params: Record<string, string>;
}

const WEIGHTS: Array<[QueryKind, number]> = [
  ['filters', 0.2],
  ['arabic-diacritics', 0.1],
  ['arabic-hamza', 0.1],
  ['latin-case', 0.1],
  ['two-words', 0.15],
  ['text+filters', 0.2],
  ['next-page', 0.15],
];

const HARAKAT = ['\u064E', '\u064F', '\u0650', '\u0651', '\u0652'];
const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((w) => w.length >= 2);

/**
 * A seeded mix of realistic GET /claims queries over the names, places and dates of the claims the
 * ledger holds: common and rare names alike, as people search for whoever they look for.
 */
export function queryMix(claims: readonly ClaimDetails[], count: number, seed: number): QuerySpec[] {
  const rnd = random(seed);
  const any = (): ClaimDetails => claims[Math.floor(rnd() * claims.length)];
  const withName = (script: 'arabic' | 'latin'): ClaimDetails => {
    for (;;) {
      const claim = any();
      if (words(claim.victim.name?.[script]).length >= 2) return claim;
    }
  };
  const arabicWords = (c: ClaimDetails): string[] => words(c.victim.name?.arabic);
  const latinWords = (c: ClaimDetails): string[] => words(c.victim.name?.latin);
  const dated = claims.filter((c) => c.death.date !== undefined);
  // The given names most claims share, for lists long enough to have a second page.
  const counts = new Map<string, number>();
  for (const c of claims.slice(0, 5000)) {
    const given = latinWords(c)[0];
    if (given) counts.set(given, (counts.get(given) ?? 0) + 1);
  }
  const common = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([name]) => name);

  const filters = (): Record<string, string> => {
    const variant = rnd();
    if (variant < 0.5) return { status: 'all', governorate: any().place.governorate, sex: 'female', ageGroup: 'child' };
    if (variant < 0.8 && dated.length > 0) {
      const c = dated[Math.floor(rnd() * dated.length)];
      return { governorate: c.place.governorate, cause: c.cause, year: (c.death.date as string).slice(0, 4) };
    }
    const c = dated.length > 0 ? dated[Math.floor(rnd() * dated.length)] : any();
    return { civilianStatus: 'civilian', sex: 'male', ...(c.death.date ? { month: c.death.date.slice(0, 7) } : {}) };
  };
  const diacritics = (): Record<string, string> => {
    const [given] = arabicWords(withName('arabic'));
    return { q: [...given].map((ch) => (rnd() < 0.6 ? ch + HARAKAT[Math.floor(rnd() * HARAKAT.length)] : ch)).join('') };
  };
  const hamza = (): Record<string, string> => {
    for (;;) {
      const part = arabicWords(withName('arabic')).find((w) => /[أإآ]/.test(w) || w.startsWith('ا'));
      if (part) return { q: /[أإآ]/.test(part) ? part.replace(/[أإآ]/g, 'ا') : `أ${part.slice(1)}` };
    }
  };
  const latinCase = (): Record<string, string> => {
    const parts = latinWords(withName('latin'));
    const part = rnd() < 0.7 ? parts[parts.length - 1] : parts[0];
    return { q: rnd() < 0.5 ? part.toUpperCase() : part.toLowerCase() };
  };
  const twoWords = (): Record<string, string> => {
    const script = rnd() < 0.5 ? 'arabic' : 'latin';
    const parts = words(withName(script).victim.name?.[script]);
    return { q: `${parts[0]} ${parts[parts.length - 1]}` };
  };
  const textAndFilters = (): Record<string, string> => {
    const c = withName('latin');
    return { q: latinWords(c)[0], governorate: c.place.governorate, sex: c.victim.sex };
  };
  const broad = (): Record<string, string> => (rnd() < 0.5 ? { governorate: any().place.governorate } : { q: common[Math.floor(rnd() * common.length)] });
  const make: Record<QueryKind, () => Record<string, string>> = {
    filters,
    'arabic-diacritics': diacritics,
    'arabic-hamza': hamza,
    'latin-case': latinCase,
    'two-words': twoWords,
    'text+filters': textAndFilters,
    'next-page': broad,
  };
  return Array.from({ length: count }, () => {
    let r = rnd();
    const kind = WEIGHTS.find(([, w]) => (r -= w) < 0)?.[0] ?? 'filters';
    return { kind, params: make[kind]() };
  });
}

interface Page {
  status: number;
  items: number;
  next: string | null;
  body: string;
}

function get(agent: Agent, url: URL, token: string, params: Record<string, string>): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: `/claims?${new URLSearchParams(params).toString()}`, method: 'GET', headers: { authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return resolve({ status: res.statusCode ?? 0, items: 0, next: null, body });
          const page = JSON.parse(body) as { items: unknown[]; next: string | null };
          resolve({ status: 200, items: page.items.length, next: page.next, body: '' });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface KindResult extends LatencySummary {
  kind: QueryKind;
  requests: number;
  /** Mean claims on the page: how selective the queries of this kind were. */
  meanItems: number;
  /** Queries that found nothing. */
  empty: number;
}

export interface QueryResult {
  clients: number;
  requests: number;
  seconds: number;
  rate: number;
  overall: LatencySummary;
  kinds: KindResult[];
  errors: number;
  firstError?: string;
  /** Next-page queries whose first page had no `next` (not timed). */
  noNextPage: number;
  /** The five slowest requests, to explain them. */
  slowest: Array<{ kind: QueryKind; params: Record<string, string>; ms: number; items: number }>;
}

/**
 * `clients` keep-alive clients share the specs, each request timed client-side (node:http, so the
 * generator's own cost stays small). A next-page spec first fetches page 1 untimed, then times the
 * request for the page its `next` cursor names.
 */
export async function runQueries(baseUrl: string, token: string, specs: readonly QuerySpec[], clients: number): Promise<QueryResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
  const timed: Array<{ kind: QueryKind; params: Record<string, string>; ms: number; items: number }> = [];
  let errors = 0;
  let firstError: string | undefined;
  let noNextPage = 0;
  let cursor = 0;
  const fail = (text: string): void => {
    errors += 1;
    firstError ??= text;
  };
  const started = performance.now();
  const client = async (): Promise<void> => {
    while (cursor < specs.length) {
      const spec = specs[cursor++];
      let params = spec.params;
      if (spec.kind === 'next-page') {
        const first = await get(agent, url, token, params);
        if (first.status !== 200) {
          fail(`HTTP ${first.status} for ${JSON.stringify(params)}: ${first.body.slice(0, 300)}`);
          continue;
        }
        if (first.next === null) {
          noNextPage += 1;
          continue;
        }
        params = { ...params, cursor: first.next };
      }
      const sent = performance.now();
      const page = await get(agent, url, token, params);
      const ms = performance.now() - sent;
      if (page.status !== 200) fail(`HTTP ${page.status} for ${JSON.stringify(params)}: ${page.body.slice(0, 300)}`);
      else timed.push({ kind: spec.kind, params, ms, items: page.items });
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const kinds = QUERY_KINDS.map((kind): KindResult => {
    const mine = timed.filter((t) => t.kind === kind);
    return {
      kind,
      requests: mine.length,
      ...summarize(mine.map((t) => t.ms)),
      meanItems: mine.reduce((n, t) => n + t.items, 0) / Math.max(1, mine.length),
      empty: mine.filter((t) => t.items === 0).length,
    };
  });
  return {
    clients,
    requests: timed.length,
    seconds,
    rate: timed.length / seconds,
    overall: summarize(timed.map((t) => t.ms)),
    kinds,
    errors,
    firstError,
    noNextPage,
    slowest: [...timed].sort((a, b) => b.ms - a.ms).slice(0, 5),
  };
}
