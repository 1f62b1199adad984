/**
 * The known duplicates of the Gaza list (gaza-killed-2024-09-21.csv), as a ground truth for the
 * duplicates section. Its ids are unique, its exact names nearly so (one repeat, two people): the
 * people listed twice are under two ids with variant names. A pair is a known duplicate when the
 * list's own birth dates (which the ledger does not hold, so the scorer never sees them) and the
 * names agree closely:
 *
 *   1. same sex, same given name, birth dates the same (not a year-only placeholder YYYY-01-01),
 *      and the father's and grandfather's names agree: the family name may differ (a woman under
 *      her husband's family, a clan's name for a family);
 *   2. same sex, same given name, ages at most a year apart and birth dates at most 31 days apart
 *      (or in years at most one apart where one date is a year-only placeholder), and the family
 *      names agree and so do the names between, allowing one missing or two swapped.
 *
 * Names "agree" when equal after the project's folding (nameTokens), or equal without a glued
 * "Abu" or article, or one letter apart (one typed twice or left out: "ااحمد"/"احمد",
 * "شقاليه"/"شقليه"), but never by a و or ي put in or left out, which makes another name
 * (محمد/محمود, حسن/حسين); a changed letter counts only in names of five letters or more.
 * Names of fewer than three parts are left out (too little to tell). docs/DUPLICATES.md.
 */
import { nameTokens } from '@ledger/domain';

export interface GazaRow {
  /** The list's id (unique in the file). */
  id: string;
  name: string;
  latin: string;
  age: number | null;
  dob: string;
  sex: string;
  source: string;
}

export interface KnownDuplicate {
  a: GazaRow;
  b: GazaRow;
  rule: 'birth-day+father+grandfather' | 'birth-date+family+chain';
}

const stripParticles = (token: string): string => token.replace(/^ابو/, '').replace(/^ال/, '');

/** One letter apart, but no و or ي put in or left out; a changed letter only in names of five letters or more. */
function oneLetterApart(a: string, b: string): boolean {
  if (a.length === b.length) {
    if (a.length < 5) return false;
    let differences = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differences++;
    return differences === 1;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length - short.length !== 1) return false;
  for (let k = 0; k < long.length; k++) if (long.slice(0, k) + long.slice(k + 1) === short) return !'وي'.includes(long[k]);
  return false;
}

export function namesAgree(x: string, y: string): boolean {
  return x === y || stripParticles(x) === stripParticles(y) || (Math.min(x.length, y.length) >= 4 && oneLetterApart(x, y));
}

/** The names between given and family: the same, one missing on one side, or two swapped. */
function chainAgrees(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === b.length && a.every((t, i) => namesAgree(t, b[i]))) return true;
  if (a.length === 2 && b.length === 2 && namesAgree(a[0], b[1]) && namesAgree(a[1], b[0])) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length - short.length !== 1) return false;
  for (let k = 0; k < long.length; k++) {
    const rest = [...long.slice(0, k), ...long.slice(k + 1)];
    if (rest.every((t, i) => namesAgree(t, short[i]))) return true;
  }
  return false;
}

const placeholder = (dob: string): boolean => dob.endsWith('-01-01');
const DAY_MS = 86400000;

function birthDatesAgree(a: GazaRow, b: GazaRow): 'same-day' | 'close' | null {
  if (a.dob === b.dob && !placeholder(a.dob)) return 'same-day';
  if (a.age === null || b.age === null || Math.abs(a.age - b.age) > 1) return null;
  const bothPlaceholders = placeholder(a.dob) && placeholder(b.dob);
  if (!bothPlaceholders && Math.abs(Date.parse(a.dob) - Date.parse(b.dob)) <= 31 * DAY_MS) return 'close';
  if ((placeholder(a.dob) || placeholder(b.dob)) && Math.abs(Number(a.dob.slice(0, 4)) - Number(b.dob.slice(0, 4))) <= 1) return 'close';
  return null;
}

export function knownDuplicates(rows: readonly GazaRow[]): KnownDuplicate[] {
  const byGivenName = new Map<string, Array<{ row: GazaRow; tokens: string[] }>>();
  for (const row of rows) {
    const tokens = nameTokens(row.name);
    if (tokens.length < 3) continue;
    const key = `${row.sex}|${tokens[0]}`;
    const group = byGivenName.get(key) ?? [];
    group.push({ row, tokens });
    byGivenName.set(key, group);
  }
  const pairs: KnownDuplicate[] = [];
  for (const group of byGivenName.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const [a, b] = [group[i], group[j]];
        const dates = birthDatesAgree(a.row, b.row);
        if (dates === null) continue;
        if (dates === 'same-day' && namesAgree(a.tokens[1], b.tokens[1]) && namesAgree(a.tokens[2], b.tokens[2])) {
          pairs.push({ a: a.row, b: b.row, rule: 'birth-day+father+grandfather' });
        } else if (namesAgree(a.tokens[a.tokens.length - 1], b.tokens[b.tokens.length - 1]) && chainAgrees(a.tokens.slice(1, -1), b.tokens.slice(1, -1))) {
          pairs.push({ a: a.row, b: b.row, rule: 'birth-date+family+chain' });
        }
      }
    }
  }
  return pairs;
}

export const pairKey = (x: string, y: string): string => (x < y ? `${x}/${y}` : `${y}/${x}`);
