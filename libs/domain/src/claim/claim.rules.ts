import type { FieldProblem } from '../shared/domain-error.js';
import type { ClaimDetails, FuzzyDate, Place } from './claim.types.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const YEAR = /^(\d{4})$/;

/** Adulthood as casualty recorders count it: a child is under 18. */
export const CHILD_AGE_LIMIT = 18;

function isCalendarDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The first day a date of the given precision can mean, as YYYY-MM-DD, or null if malformed. */
function earliestDay(value: string, precision: 'day' | 'month' | 'year'): string | null {
  if (isCalendarDay(value)) return value;
  if (precision !== 'day' && MONTH.test(value)) {
    const month = Number(value.slice(5));
    return month >= 1 && month <= 12 ? `${value}-01` : null;
  }
  if (precision === 'year' && YEAR.test(value)) return `${value}-01-01`;
  return null;
}

export function checkFuzzyDate(date: FuzzyDate, base: string, today: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const forbid = (member: 'date' | 'from' | 'to', why: string): void => {
    if (date[member] !== undefined) problems.push({ path: `${base}/${member}`, message: why });
  };
  const notFuture = (member: 'date' | 'from' | 'to', day: string): void => {
    if (day > today) problems.push({ path: `${base}/${member}`, message: 'must not be in the future' });
  };
  switch (date.precision) {
    case 'day':
    case 'month':
    case 'year': {
      forbid('from', `is only for precision "range"`);
      forbid('to', `is only for precision "range"`);
      if (date.date === undefined) {
        problems.push({ path: `${base}/date`, message: `is required for precision "${date.precision}"` });
        break;
      }
      const day = earliestDay(date.date, date.precision);
      if (day === null) {
        const form = { day: 'YYYY-MM-DD', month: 'YYYY-MM or YYYY-MM-DD', year: 'YYYY, YYYY-MM or YYYY-MM-DD' };
        problems.push({ path: `${base}/date`, message: `must be a real date written ${form[date.precision]}` });
      } else notFuture('date', day);
      break;
    }
    case 'range': {
      forbid('date', 'is not used with precision "range" (give from and to)');
      for (const member of ['from', 'to'] as const) {
        const value = date[member];
        if (value === undefined) problems.push({ path: `${base}/${member}`, message: 'is required for precision "range"' });
        else if (!isCalendarDay(value)) problems.push({ path: `${base}/${member}`, message: 'must be a real date YYYY-MM-DD' });
        else notFuture(member, value);
      }
      if (date.from && date.to && isCalendarDay(date.from) && isCalendarDay(date.to) && date.from > date.to) {
        problems.push({ path: `${base}/to`, message: 'must not be before from' });
      }
      break;
    }
    case 'unknown':
      forbid('date', 'must be absent when the precision is "unknown"');
      forbid('from', 'must be absent when the precision is "unknown"');
      forbid('to', 'must be absent when the precision is "unknown"');
      break;
    default: {
      const unreachable: never = date.precision;
      problems.push({ path: `${base}/precision`, message: `unknown precision ${String(unreachable)}` });
    }
  }
  return problems;
}

export function checkPlace(place: Place, base: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if ((place.lat === undefined) !== (place.lon === undefined)) {
    problems.push({ path: `${base}/${place.lat === undefined ? 'lat' : 'lon'}`, message: 'lat and lon go together' });
  }
  if (place.precision === 'exact' && place.lat === undefined) {
    problems.push({ path: `${base}/lat`, message: 'coordinates are required for precision "exact"' });
  }
  if (place.precision === 'locality' && !place.locality) {
    problems.push({ path: `${base}/locality`, message: 'is required for precision "locality"' });
  }
  if (place.precision === 'district' && !place.district) {
    problems.push({ path: `${base}/district`, message: 'is required for precision "district"' });
  }
  return problems;
}

/** Every rule a claim's details must satisfy, whoever files or amends it. */
export function checkClaimDetails(
  details: ClaimDetails,
  knownPerpetrators: ReadonlySet<string>,
  today: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { victim } = details;
  if (victim.age !== undefined) {
    const expected = victim.age < CHILD_AGE_LIMIT ? 'child' : 'adult';
    if (victim.ageGroup !== expected) {
      problems.push({ path: '/victim/ageGroup', message: `must be "${expected}" for age ${victim.age}` });
    }
  }
  problems.push(...checkFuzzyDate(details.death, '/death', today));
  problems.push(...checkPlace(details.place, '/place'));
  if (!knownPerpetrators.has(details.perpetrator)) {
    problems.push({ path: '/perpetrator', message: 'is not a code from GET /perpetrators' });
  }
  return problems;
}
