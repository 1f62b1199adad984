/**
 * The read section's claims: every row of the two real casualty lists, mapped to POST /claims
 * bodies by `ledger import`'s built-in mappings (libs/import), plus generated claims shaped like
 * them (real name parts recombined) up to the wanted count. The lists are read from BENCH_DATA_DIR
 * (default ../shared/data) and never copied into the project. Everything is deterministic (seeded), so two runs search the same ledger.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimDetails } from '@ledger/domain';
import { GAZA_MAPPING, RowMapper, VDC_MAPPING, type ImportMapping } from '@ledger/import';
import { parse } from 'csv-parse/sync';

export const GAZA_FILE = 'gaza-killed-2024-09-21.csv';
export const VDC_FILE = 'vdc-syria-fatalities-2011-2015.csv';

/** Where the lists are, or why the section cannot run. */
export function dataDirectory(): { dir: string } | { missing: string } {
  const dir = process.env.BENCH_DATA_DIR ?? '../shared/data';
  for (const file of [GAZA_FILE, VDC_FILE]) {
    if (!existsSync(join(dir, file))) return { missing: `${join(dir, file)} not found (set BENCH_DATA_DIR to the directory of the real casualty lists)` };
  }
  return { dir };
}

const TODAY = new Date().toISOString().slice(0, 10);

function ageGroupOf(age: number | undefined): 'child' | 'adult' | 'unknown' {
  return age === undefined ? 'unknown' : age < 18 ? 'child' : 'adult';
}

/** A list's rows as claims, by the mapping `ledger import` uses; the rows it rejects are counted. */
function mapList(dir: string, file: string, mapping: ImportMapping): { claims: ClaimDetails[]; refused: number } {
  const [header, ...records] = parse(readFileSync(join(dir, file), 'utf8'), { bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const mapper = new RowMapper(mapping, header, TODAY);
  const claims: ClaimDetails[] = [];
  for (const [i, fields] of records.entries()) {
    const outcome = mapper.map(fields, i + 1);
    if (outcome.ok) claims.push(outcome.claim.details);
  }
  return { claims, refused: records.length - claims.length };
}

/** Seeded PRNG (mulberry32): the same claims and queries on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];

export interface CasualtyClaims {
  gaza: ClaimDetails[];
  vdc: ClaimDetails[];
  /** Rows the ledger's rules would refuse (none expected; counted so a reader can see). */
  refused: number;
}

export function readCasualtyLists(dir: string): CasualtyClaims {
  const gaza = mapList(dir, GAZA_FILE, GAZA_MAPPING);
  const vdc = mapList(dir, VDC_FILE, VDC_MAPPING);
  return { gaza: gaza.claims, vdc: vdc.claims, refused: gaza.refused + vdc.refused };
}

const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((w) => w !== '');

/**
 * Claims shaped like the real ones: a Gaza-like claim takes its given name (and so its sex) from
 * one real person, the father's and grandfather's names from two others and the family name from a
 * fourth, in Arabic and Latin alike (only from names whose two scripts have as many words, so the
 * parts line up); a VDC-like one recombines Latin names the same way and takes its place, date,
 * cause and rank from one real row, so those stay as correlated as in the list.
 */
export function syntheticClaims(real: CasualtyClaims, count: number, seed: number): ClaimDetails[] {
  const rnd = random(seed);
  const aligned = real.gaza.filter((c) => {
    const n = words(c.victim.name?.arabic).length;
    return n >= 4 && n === words(c.victim.name?.latin).length;
  });
  const vdcNamed = real.vdc.filter((c) => words(c.victim.name?.latin).length >= 3);
  const share = real.gaza.length / (real.gaza.length + real.vdc.length);
  const out: ClaimDetails[] = [];
  while (out.length < count) {
    if (aligned.length > 0 && rnd() < share) {
      const [given, father, grand, family] = [pick(rnd, aligned), pick(rnd, aligned), pick(rnd, aligned), pick(rnd, aligned)];
      const part = (c: ClaimDetails, script: 'arabic' | 'latin', from: number, to?: number): string => words(c.victim.name?.[script]).slice(from, to).join(' ');
      const name = (script: 'arabic' | 'latin'): string => [part(given, script, 0, 1), part(father, script, 1, 2), part(grand, script, 2, 3), part(family, script, 3)].join(' ');
      const age = pick(rnd, real.gaza).victim.age;
      out.push({
        ...given,
        victim: { ...given.victim, name: { arabic: name('arabic'), latin: name('latin') }, ...(age === undefined ? {} : { age }), ageGroup: ageGroupOf(age) },
      });
    } else {
      const [given, middle, family, facts] = [pick(rnd, vdcNamed), pick(rnd, vdcNamed), pick(rnd, vdcNamed), pick(rnd, real.vdc)];
      const g = words(given.victim.name?.latin);
      const m = words(middle.victim.name?.latin);
      const f = words(family.victim.name?.latin);
      const latin = [g[0], m.slice(1, -1).join(' '), f[f.length - 1]].filter((w) => w !== '').join(' ');
      out.push({ ...facts, victim: { ...facts.victim, name: { latin }, sex: given.victim.sex, ageGroup: given.victim.ageGroup } });
    }
  }
  return out;
}

/**
 * `count` claims in filing order: every real row and generated ones; fewer than the real rows (a
 * quick run) are an evenly spaced sample of both lists.
 */
export function benchClaims(real: CasualtyClaims, count: number, seed = 20240921): ClaimDetails[] {
  const all = [...real.gaza, ...real.vdc];
  const claims =
    count <= all.length
      ? Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)])
      : [...all, ...syntheticClaims(real, count - all.length, seed)];
  // Shuffled: neither list sits at one end of the filed order, which newest-first pages start from.
  const rnd = random(seed + 1);
  for (let i = claims.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [claims[i], claims[j]] = [claims[j], claims[i]];
  }
  return claims;
}
