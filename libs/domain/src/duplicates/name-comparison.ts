import type { VictimName } from '../claim/claim.types.js';
import { nameSkeleton, nameTokens } from '../names/name-key.js';

/**
 * Comparing two victims' names for record linkage. Names in these lists are chains: given name,
 * father's, grandfather's (sometimes more), family name. Two records of one person share the given
 * name and the chain, with spelling, particles ("ابو", "al-"), a missing middle name or a family
 * name written first; two brothers share all but the given name; a father and his son share the
 * chain shifted by one generation. So the given name and the order of the chain weigh most.
 */

export type Script = 'arabic' | 'latin';

/** One written form of a name (its Arabic or its Latin spelling), folded once for many comparisons. */
export interface NameForm {
  script: Script;
  tokens: readonly string[];
  /** Consonant skeletons of the tokens (nameSkeleton), comparable across scripts. */
  skeletons: readonly string[];
  /** Skeletons of the tokens without a glued "Abu" (ابوبركه -> بركه): family names are written with and without it. */
  cores: readonly string[];
  /** Latin only: which consonant gaps hold a vowel ("Muhammad" m.h.m.d, "Mahmoud" m.hm.d); '' for Arabic. */
  gaps: readonly string[];
  /** Each token's part of a blocking key: '~' + skeleton or '=' + token, as the claim's name_key holds it. */
  keyParts: readonly string[];
}

/** How two tokens agree: the same after folding, a spelling or transliteration variant, only alike, or not at all. */
export type TokenAgreement = 'same' | 'variant' | 'similar' | 'none';

const ARABIC_LETTER = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]/;
const ABU = /^(?:abu|ابو)(.{2,})$/;
const ARTICLE = /^(?:al|ال)(.{2,})$/;

/** A token without a glued "Abu" and article: ابوالنجا, النجا and نجا are one family name written three ways. */
function bare(token: string): string {
  const withoutAbu = ABU.exec(token)?.[1] ?? token;
  return ARTICLE.exec(withoutAbu)?.[1] ?? withoutAbu;
}

/** Second halves of compound given names written apart: نور الدين, منة الله, Salah al-Din. */
const COMPOUND_SECOND = new Set(['الدين', 'الله', 'هللا', 'aldin', 'allah']);

/**
 * A name form from texts folded one by one (as nameSearchKey folds each field, so a particle never
 * joins across two fields). A compound given name written apart is one token here, but its key
 * part stays that of its first half, which the claim's name_key holds.
 */
export function nameForm(texts: readonly string[], script?: Script): NameForm | null {
  const pieces = texts.flatMap((text) => nameTokens(text));
  const tokens: string[] = [];
  const keyParts: string[] = [];
  for (const piece of pieces) {
    if (tokens.length > 0 && COMPOUND_SECOND.has(piece)) {
      tokens[tokens.length - 1] += piece;
      continue;
    }
    tokens.push(piece);
    const skeleton = nameSkeleton(piece);
    keyParts.push(skeleton !== '' ? `~${skeleton}` : `=${piece}`);
  }
  if (tokens.length === 0) return null;
  const formScript = script ?? (texts.some((text) => ARABIC_LETTER.test(text)) ? 'arabic' : 'latin');
  const skeletons = tokens.map((t) => nameSkeleton(t));
  return {
    script: formScript,
    tokens,
    skeletons,
    cores: tokens.map((t, i) => {
      const rest = ABU.exec(t)?.[1];
      return rest === undefined ? skeletons[i] : nameSkeleton(rest);
    }),
    gaps: tokens.map((t) => (formScript === 'latin' ? vowelGaps(t) : '')),
    keyParts,
  };
}

/**
 * The forms a victim's name is written in: its Arabic and its Latin spelling, or, when neither is
 * given, its parts (given, father, family) in that order.
 */
export function nameForms(name: VictimName | undefined): { arabic: NameForm | null; latin: NameForm | null } {
  if (name === undefined) return { arabic: null, latin: null };
  let arabic = name.arabic ? nameForm([name.arabic], 'arabic') : null;
  let latin = name.latin ? nameForm([name.latin], 'latin') : null;
  if (arabic === null && latin === null) {
    const composed = nameForm([name.given, name.father, name.family].filter((p): p is string => p !== undefined));
    if (composed?.script === 'arabic') arabic = composed;
    else latin = composed;
  }
  return { arabic, latin };
}

/**
 * The consonant classes of a Latin token with a mark for each gap between two consonants that a
 * vowel fills: "Muhammad" and "Mohamed" give m.h.m.d, "Mahmoud" and "Mahmud" m.hm.d. Their
 * skeletons are the same (mhmd); the gaps tell the two names apart.
 */
function vowelGaps(token: string): string {
  let out = '';
  let vowel = false;
  let last = '';
  for (let i = 0; i < token.length; i++) {
    const digraph = token.slice(i, i + 2);
    let c: string;
    if (['sh', 'ch', 'kh', 'gh', 'th', 'ph', 'dh'].includes(digraph)) {
      c = digraph;
      i++;
    } else c = token[i];
    const isVowel = /[aeiou]/.test(c) || (i > 0 && /[wy]/.test(c));
    if (isVowel) {
      vowel = true;
      continue;
    }
    if (c === last && !vowel) continue; // doubled consonant
    if (out !== '' && vowel) out += '.';
    out += c;
    last = c;
    vowel = false;
  }
  return out;
}

function levenshteinAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/**
 * How token i of one form agrees with token j of another. Within Arabic script, spelling is
 * settled once folded (hamza, ta marbuta, alef maqsura), so two tokens that differ only in their
 * long vowels are usually two names (كريم/كرم, محمد/محمود, حسن/حسين: twins and brothers are named
 * so): only "similar". Latin spellings of one name vary (Mohammed, Muhammad), so a shared
 * skeleton with the same vowel gaps is a variant; so is an Arabic token and a Latin one with one
 * skeleton, as that is all the two scripts share.
 */
export function compareTokens(a: NameForm, i: number, b: NameForm, j: number): TokenAgreement {
  const x = a.tokens[i];
  const y = b.tokens[j];
  if (x === y) return 'same';
  // A compound given name and its first half: نداء الدين and نداء, Nour al-Din and Nour.
  if ([...COMPOUND_SECOND].some((second) => x === y + second || y === x + second)) return 'variant';
  const skeleton = a.skeletons[i] !== '' && a.skeletons[i] === b.skeletons[j] ? a.skeletons[i] : a.cores[i] !== '' && a.cores[i] === b.cores[j] ? a.cores[i] : null;
  if (skeleton !== null) {
    // Only a glued "Abu" or article differs: ابوبركه and بركه, الشرافي and شرافي, Abu Sois and Sois.
    if (a.script === b.script && bare(x) === bare(y)) return 'variant';
    if (skeleton.length < 2) return 'similar';
    if (a.script === 'arabic' && b.script === 'arabic') return 'similar';
    if (a.script === 'latin' && b.script === 'latin') return a.gaps[i] === b.gaps[j] ? 'variant' : 'similar';
    return 'variant';
  }
  if (a.script === b.script && Math.min(x.length, y.length) >= 5 && levenshteinAtMostOne(x, y)) return 'similar';
  return 'none';
}
