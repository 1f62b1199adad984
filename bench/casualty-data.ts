/**
 * The read section's claims: every row of the two real casualty lists, mapped to POST /claims
 * bodies, plus generated claims shaped like them (real name parts recombined) up to the wanted
 * count. The lists are read from BENCH_DATA_DIR (default ../shared/data) and never copied into the
 * project. Everything is deterministic (seeded), so two runs search the same ledger.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkClaimDetails, INITIAL_PERPETRATORS, type Cause, type ClaimDetails } from '@ledger/domain';

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

/**
 * RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. The VDC list quotes
 * names with commas ("Sa,er Gazal Sleman ") and nicknames ("Hassn Jan ""Qasmi"" ").
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.length > 1 || row[0] !== '') rows.push(row);
  return rows;
}

const KNOWN_PERPETRATORS = new Set(INITIAL_PERPETRATORS.map((p) => p.code));
const TODAY = new Date().toISOString().slice(0, 10);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The rules the API would apply: a row the ledger would refuse is counted, not loaded. */
function valid(details: ClaimDetails): boolean {
  return checkClaimDetails(details, KNOWN_PERPETRATORS, TODAY).length === 0;
}

function ageGroupOf(age: number | undefined): 'child' | 'adult' | 'unknown' {
  return age === undefined ? 'unknown' : age < 18 ? 'child' : 'adult';
}

/** `id,name,en_name,age,dob,sex,source`: the list gives no date, place or cause of death. */
function gazaClaim(fields: string[]): ClaimDetails {
  const [, arabic, latin, ageText, , sexCode] = fields.map((f) => f.trim());
  const age = /^\d{1,3}$/.test(ageText) && Number(ageText) <= 130 ? Number(ageText) : undefined;
  const name = { ...(arabic ? { arabic } : {}), ...(latin ? { latin } : {}) };
  return {
    victim: {
      ...(arabic || latin ? { name } : {}),
      sex: sexCode === 'f' ? 'female' : sexCode === 'm' ? 'male' : 'unknown',
      ...(age === undefined ? {} : { age }),
      ageGroup: ageGroupOf(age),
      civilianStatus: 'unknown',
    },
    death: { precision: 'unknown' },
    place: { governorate: 'Gaza', precision: 'governorate' },
    cause: 'unknown',
    perpetrator: 'not-identified',
  };
}

const VDC_CAUSES: Record<string, Cause> = {
  shooting: 'shooting',
  shelling: 'shelling',
  'warplane shelling': 'airstrike',
  'field execution': 'field-execution',
  'kidnapping - execution': 'field-execution',
  'detention - execution': 'field-execution',
  'kidnapping - torture': 'torture-in-detention',
  'kidnapping - torture - execution': 'torture-in-detention',
  'detention - torture - execution': 'torture-in-detention',
  siege: 'siege',
  'chemical and toxic gases': 'chemical',
  explosion: 'explosive-device',
  other: 'other',
};

/**
 * `Province,Cause_of_Death,Name,Area,Date_of_Death,Sex,Rank`. A row with more than seven fields
 * (an unquoted comma in a name or an area) is realigned on its date, the one field with a fixed shape.
 */
function vdcClaim(raw: string[]): ClaimDetails {
  let fields = raw.map((f) => f.trim());
  if (fields.length > 7) {
    const at = fields.findLastIndex((f) => DAY.test(f));
    if (at >= 4) fields = [fields[0], fields[1], fields.slice(2, at - 1).join(', '), fields[at - 1], ...fields.slice(at, at + 2), fields.slice(at + 2).join(', ')];
  }
  const [province, causeText, latin, , date, sexText, rank] = fields;
  const [group, sexWord] = (sexText ?? '').toLowerCase().split(/\s*-\s*/);
  const rankWord = (rank ?? '').toLowerCase();
  const details: ClaimDetails = {
    victim: {
      ...(latin ? { name: { latin } } : {}),
      sex: sexWord === 'female' ? 'female' : sexWord === 'male' ? 'male' : 'unknown',
      ageGroup: group === 'child' ? 'child' : group === 'adult' ? 'adult' : 'unknown',
      civilianStatus: /^civill?ian$/.test(rankWord) ? 'civilian' : rankWord === '' || /^unk?n?o?wn$/.test(rankWord) ? 'unknown' : 'non-civilian',
    },
    death: DAY.test(date ?? '') && date !== '0000-00-00' ? { date, precision: 'day' } : { precision: 'unknown' },
    place: { governorate: province || 'Unknown', precision: 'governorate' },
    cause: VDC_CAUSES[(causeText ?? '').toLowerCase()] ?? 'unknown',
    perpetrator: 'not-identified',
  };
  // A date the calendar does not have ("2013-02-30") is kept as a claim with an unknown date.
  return valid(details) ? details : { ...details, death: { precision: 'unknown' } };
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
  const rows = (file: string): string[][] => parseCsv(readFileSync(join(dir, file), 'utf8')).slice(1);
  const gazaAll = rows(GAZA_FILE).map(gazaClaim);
  const vdcAll = rows(VDC_FILE).map(vdcClaim);
  const gaza = gazaAll.filter(valid);
  const vdc = vdcAll.filter(valid);
  return { gaza, vdc, refused: gazaAll.length - gaza.length + vdcAll.length - vdc.length };
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
