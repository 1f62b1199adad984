/**
 * Name normalisation for searching victims' names written in Arabic or in Latin transliteration.
 * Pure and dependency-free, so the same key can be computed in the projector and in tests.
 *
 * A caller matches a key (nameSearchKey) against query terms (nameQueryTerms) like this: every term
 * must match, and a term matches when the key contains its token as a plain substring, or contains
 * ' ~' + skeleton + ' ' (a whole skeleton, so that short skeletons do not match inside longer ones):
 *
 *   terms.every((t) => key.includes(t.token) || (t.skeleton !== null && key.includes(` ~${t.skeleton} `)))
 *
 * (nameKeyMatches below). No terms match every key. A token matches anywhere in a word ("ali" finds
 * "Khalil"); match ' ' + token instead to find word prefixes only. Skeletons are coarse on purpose
 * (محمد and محمود share "mhmd", حسن and حسين "hsn"): rank token matches above skeleton-only ones.
 */

export interface NameParts {
  arabic?: string;
  latin?: string;
  given?: string;
  father?: string;
  family?: string;
  alias?: string;
}

export interface NameQueryTerm {
  /** The folded query token, to be found as a substring of the key. */
  token: string;
  /** Its consonant skeleton, to be found as ' ~' + skeleton + ' ' in the key; null when it has none. */
  skeleton: string | null;
}

// Ayn/hamza marks and apostrophes carry no letter users type consistently: "ʿAli", "'Ali", "Ali".
// U+00B4 must go before NFKD, which would turn it into a space.
const APOSTROPHES = /[\u0027\u0060\u00B4\u02B9\u02BB\u02BC\u02BD\u02BE\u02BF\u02C8\u2018\u2019\u201B\u2032\uFF07]/g;
// Tashkeel, superscript alef and NFKD's combining accents are all \p{M}; tatweel, the Quranic marks
// (some are letters or symbols, not marks), standalone and high hamza are removed explicitly.
const MARKS = /\p{M}|[\u06D6-\u06ED]|[\u0640\u0621\u0674]/gu;

const LETTER_FOLDS: Record<string, string> = {
  // NFKD already splits أ إ آ ؤ ئ into a base letter and a mark; these variants do not decompose.
  '\u0671': 'ا', // ٱ alef wasla
  '\u0672': 'ا', // ٲ
  '\u0673': 'ا', // ٳ
  '\u0629': 'ه', // ة ta marbuta: often typed as ه
  '\u0649': 'ي', // ى alef maqsura: often typed as ي
  '\u06CC': 'ي', // Persian yeh
  '\u06D2': 'ي', // yeh barree
  '\u06A9': 'ك', // keheh
  '\u06D5': 'ه', // ae
  '\u06BE': 'ه', // heh doachashmee
  '\u06C3': 'ه', // ta marbuta goal
  ß: 'ss',
  ı: 'i',
  ł: 'l',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ħ: 'h',
};
const FOLDABLE = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'g');

const ARABIC_LETTER = '\\u0600-\\u06FF\\u0750-\\u077F\\u08A0-\\u08FF';
// A token never mixes scripts: "محمدAli" is two tokens.
const SCRIPT_BOUNDARY = new RegExp(`(?<=[${ARABIC_LETTER}])(?=[^${ARABIC_LETTER}])|(?<=[^${ARABIC_LETTER}])(?=[${ARABIC_LETTER}])`, 'g');

/** Folded text: tokens separated by spaces, or by '-' where the writer used a hyphen. */
function foldText(text: string): string {
  return text
    .replace(APOSTROPHES, '')
    .normalize('NFKD')
    .replace(APOSTROPHES, '')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(FOLDABLE, (c) => LETTER_FOLDS[c] ?? c)
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u2010-\u2015\u2212\uFE63\uFF0D]/g, '-')
    .replace(/[^\p{L}\p{N}-]+/gu, ' ')
    // Only a hyphen between two letters binds them; "Ali - Hasan" is two names.
    .replace(/-+/g, '-')
    .replace(/^-|-$|\s+-\s*|-\s+/g, ' ')
    .replace(SCRIPT_BOUNDARY, ' ')
    .trim();
}

function pieces(folded: string): string[] {
  return folded.split(/[\s-]+/).filter((t) => t !== '');
}

/**
 * The article and the "Abd"/"Abu" particles are written joined or apart ("عبد الرحمن", "عبدالرحمن",
 * "Abd al-Rahman", "Abdulrahman", "Abu Sois", "Abusois"): always join them to the next token so one
 * spelling is a substring of the others, and spell the Latin particles one way ("abdal", "abu", "al").
 */
const LATIN_ARTICLE = new Set(['al', 'el', 'ul']);
const LATIN_ABD_AL = /^abd(?:[aeiou]|ou)l$/;
const LATIN_ABD_AL_JOINED = /^abd(?:[aeiou]|ou)l(?=..)/;
const LATIN_ABD_ASSIMILATED = /^abd(?:[aeiou]|ou)([tdrszn])\1(?=.)/; // "Abdurrahman", "Abdussalam"
const LATIN_ADDIN = /^([a-z]{2,}?)[aeiu]dd(?:in|ine|een|yn)$/; // "Nureddin", "Salahuddin": نورالدين
const LATIN_ABU = new Set(['abu', 'abo', 'abou']);
const LATIN_ABU_AL = new Set(['abul', 'aboul']); // "Abul Nour": Abu al-Nour

function joinParticles(tokens: string[]): string[] {
  const withArticles: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const next = tokens[i + 1];
    if (next !== undefined && (token === 'ال' || LATIN_ARTICLE.has(token))) {
      withArticles.push((token === 'ال' ? 'ال' : 'al') + next);
      i++;
    } else withArticles.push(token);
  }
  const joined: string[] = [];
  for (let i = 0; i < withArticles.length; i++) {
    const token = withArticles[i];
    const next = withArticles[i + 1];
    if (next !== undefined && (token === 'عبد' || token === 'ابو')) {
      joined.push(token + next);
      i++;
    } else if (next !== undefined && (token === 'abd' || LATIN_ABD_AL.test(token) || LATIN_ABU.has(token) || LATIN_ABU_AL.has(token))) {
      joined.push((LATIN_ABU.has(token) ? 'abu' : LATIN_ABU_AL.has(token) ? 'abual' : token) + next);
      i++;
    } else joined.push(token);
  }
  return joined.map((t) =>
    t
      .replace(LATIN_ABD_AL_JOINED, 'abdal')
      .replace(LATIN_ABD_ASSIMILATED, 'abdal$1')
      .replace(LATIN_ADDIN, '$1aldin'),
  );
}

/**
 * Folds one free text to comparable tokens: Arabic letter variants folded, diacritics/tatweel removed, Latin lowercased and accents stripped, punctuation/ayn-hamza marks (ʿ ʾ ' ’ ‘ `) removed, hyphens and other separators -> space. Returns the tokens (non-empty strings).
 * The article and the Abd/Abu particles are joined to the next word and the Latin ones spelled one
 * way ("Abd al-Rahman", "Abdel Rahman", "Abdulrahman" -> "abdalrahman"; "عبد الرحمن" -> "عبدالرحمن").
 */
export function nameTokens(text: string): string[] {
  return tokensOfFolded(foldText(text));
}

function tokensOfFolded(text: string): string[] {
  const folded = text
    // An assimilated article is "al" before a sun letter: "ad-Din", "ar-Rashid", "ash-Shami".
    .replace(/(^|[\s-])[aeu](t|th|d|dh|r|z|s|sh|n)-(?=\2)/g, '$1al-')
    // An article hyphenated to the next word belongs to it even when glued to the previous one:
    // "Azal-deen" is عزالدين and "Abual-naja" ابوالنجا, one word each in Arabic.
    .replace(/(?<=\p{L}[ae]l)-(?=\p{L})/gu, '');
  return joinParticles(pieces(folded));
}

/**
 * Consonant classes: the sounds transliterators spell differently share one letter.
 *   b: ب پ b p          t: ت ط ث ذ t th       d: د ض d dh           z: ز ظ z
 *   s: س ص s ce ci      c: ش sh ch            j: ج گ j g dj zh      g: غ gh
 *   h: ح ه h            x: خ kh x             k: ق ك k q c ck       f: ف ڤ f v ph
 *   l r m n: themselves
 *   w y (و ي): consonants only as the first letter; elsewhere long vowels, dropped like a e i o u,
 *   alef and ayn (hamza is gone already, see nameTokens).
 * Each Arabic letter maps straight to its class: going through a Latin spelling would read ز+ه as
 * "zh" or س+ه as "sh", where a transliterator writes a vowel between them (Zuhair, Suhail).
 */
const VOWEL = 'a'; // a e i o u, alef: may start an article ("al", "el", "ال")
const AYN = '-'; // a vowel sound too, but never part of the article (علي is not "al" + "y")
const ARABIC_CLASSES: Record<string, string> = {
  ا: VOWEL,
  ع: AYN,
  و: 'w',
  ي: 'y',
  ب: 'b',
  پ: 'b',
  ت: 't',
  ط: 't',
  ث: 't',
  ذ: 't',
  د: 'd',
  ض: 'd',
  ز: 'z',
  ظ: 'z',
  س: 's',
  ص: 's',
  ش: 'c',
  چ: 'c',
  ج: 'j',
  گ: 'j',
  ژ: 'j',
  غ: 'g',
  ح: 'h',
  ه: 'h',
  خ: 'x',
  ق: 'k',
  ك: 'k',
  ف: 'f',
  ڤ: 'f',
  ل: 'l',
  ر: 'r',
  م: 'm',
  ن: 'n',
};
const LATIN_DIGRAPHS: Record<string, string> = { sh: 'c', ch: 'c', kh: 'x', gh: 'g', th: 't', ph: 'f', ck: 'k', dj: 'j', zh: 'j', ce: 's', ci: 's', cy: 's' };
const LATIN_CLASSES: Record<string, string> = {
  a: VOWEL,
  e: VOWEL,
  i: VOWEL,
  o: VOWEL,
  u: VOWEL,
  w: 'w',
  y: 'y',
  b: 'b',
  p: 'b',
  t: 't',
  d: 'd',
  z: 'z',
  s: 's',
  j: 'j',
  g: 'j',
  h: 'h',
  x: 'x',
  k: 'k',
  q: 'k',
  c: 'k',
  f: 'f',
  v: 'f',
  l: 'l',
  r: 'r',
  m: 'm',
  n: 'n',
};

/** One class letter (or VOWEL/AYN) per sound of a folded token; unknown characters are dropped. */
function units(folded: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < folded.length; i++) {
    const digraph = LATIN_DIGRAPHS[folded.slice(i, i + 2)];
    if (digraph !== undefined) {
      // A soft c keeps its vowel: "ce" is s + e.
      out.push(digraph, ...(digraph === 's' ? [VOWEL] : []));
      i++;
      continue;
    }
    const letter = folded[i] ?? '';
    const cls = ARABIC_CLASSES[letter] ?? LATIN_CLASSES[letter];
    // "dh" is ض or ذ as often as d + h (Dhif/ضيف, Adham/ادهم): an h right after d is dropped.
    if (cls !== undefined && !(cls === 'h' && out[out.length - 1] === 'd')) out.push(cls);
  }
  return out;
}

function consonants(sounds: string[]): string {
  let out = '';
  sounds.forEach((cls, i) => {
    const consonant = cls === VOWEL || cls === AYN || ((cls === 'w' || cls === 'y') && i > 0) ? '' : cls;
    // Doubled letters collapse, also across vowels, as the vowels are not there to tell them apart.
    if (consonant !== '' && !out.endsWith(consonant)) out += consonant;
  });
  // A final h is ta marbuta or a silent "-ah/-eh" as often as a consonant (Fatima/Fatimah/فاطمة,
  // Salih/Saleh/صالح): drop it in both scripts alike.
  return out.length >= 2 && out.endsWith('h') ? out.slice(0, -1) : out;
}

/** The skeleton without a leading article, unless what remains is too short to be a name ("Ali", "Alam"). */
function withoutArticle(sounds: string[]): string {
  let i = 0;
  while (sounds[i] === VOWEL) i++;
  if (i > 0 && sounds[i] === 'l') {
    const rest = consonants(sounds.slice(i + 1));
    // An initial w/y of the rest is no evidence of an article: "Alwan" is علوان, not "al-Wan".
    if (rest.replace(/^[wy]/, '').length >= 2) return rest;
  }
  return consonants(sounds);
}

/** A script-independent consonant skeleton of one token (Arabic or Latin), e.g. محمد, Muhammad, Mohamed, Mohammad -> the same string. Returns '' when the token has no consonants. */
export function nameSkeleton(token: string): string {
  return rememberedSkeleton(token);
}

function skeletonOf(token: string): string {
  const folded = foldText(token).replace(/\s+/g, '');
  // "Abu al-Shaar", "ابو الشعر" and "Abushaar" are the same family name.
  const abuAl = /^(abu|abo|abw|ابو)(?:al|el|ال)(.+)$/.exec(folded);
  if (abuAl !== null && withoutArticle(units(`al${abuAl[2]}`)).length >= 2) {
    return consonants(units(`${abuAl[1]}${abuAl[2]}`));
  }
  return withoutArticle(units(folded));
}

/**
 * A pure function of one string, remembered for the strings seen lately: a few thousand given and
 * family names recur across a whole ledger, and folding them was most of a claim's projection. It
 * forgets everything at `limit` entries, so memory stays bounded whatever the input.
 */
function remembered<T>(compute: (text: string) => T, limit: number): (text: string) => T {
  const seen = new Map<string, T>();
  return (text) => {
    let value = seen.get(text);
    if (value === undefined) {
      if (seen.size >= limit) seen.clear();
      value = compute(text);
      seen.set(text, value);
    }
    return value;
  };
}

const rememberedSkeleton = remembered(skeletonOf, 50_000);

/** Particles, and particles glued to an article, that say nothing on their own. */
const PARTICLE = /^(?:[aeu]l|ab[uo]u?|abw|ab[uo]u?l|abd|abd(?:[aeiou]|ou)?l|ab[uo]u?al|abwal|ال|عبد|ابو|عبدال|ابوال)$/;

/**
 * Parts of a token whose skeletons are searchable on their own: what follows a glued "Abu"/"Abd",
 * and both halves of an Arabic compound around its article (عزالدين, نورالدين, فاطمهالزهرا), so
 * that a search for "Din" or "Nour" finds it.
 */
const tokenParts = remembered(partsOf, 50_000);

function partsOf(token: string): readonly string[] {
  const parts: string[] = [];
  const particle = /^(?:abdal|abd|abu|عبدال|عبد|ابو)(.{2,})$/.exec(token);
  if (particle !== null) parts.push(particle[1]);
  const compound = /^(.{2,}?)(ال.{3,}|aldin)$/.exec(token);
  if (compound !== null && !PARTICLE.test(compound[1])) parts.push(compound[1], compound[2]);
  return parts;
}

/** The searchable key of a victim's name parts (any of arabic, latin, given, father, family, alias, each optional): every distinct token, then every distinct skeleton prefixed with '~', space-separated, each wrapped so that a token boundary can be matched: the key starts and ends with a space (e.g. " mohamed ali ~mhmd ~l "). Undefined/empty -> ''. Match it as described at the top of this file. */
export function nameSearchKey(name: NameParts | undefined): string {
  if (name === undefined) return '';
  const texts = [name.arabic, name.latin, name.given, name.father, name.family, name.alias].filter((t) => t !== undefined);
  const folded = texts.map((text) => foldText(text));
  // Each field is folded on its own: a particle never joins across two fields.
  const tokens = new Set(folded.flatMap((text) => tokensOfFolded(text)));
  // Skeletons of the joined tokens, of their parts, and of every hyphen- or space-separated piece
  // as written ("Abual-naja" gives "naja" too), so that one part of a compound name finds it.
  // A part's one-letter skeleton would only add noise: "Abdullah" must not be found as "Ali" (~l).
  const partSkeletons = [
    ...[...tokens].flatMap((token) => tokenParts(token)),
    ...folded.flatMap((text) => pieces(text)).filter((piece) => !PARTICLE.test(piece)),
  ]
    .map((part) => nameSkeleton(part))
    .filter((s) => s.length >= 2);
  const skeletons = new Set([...[...tokens].map((token) => nameSkeleton(token)).filter((s) => s !== ''), ...partSkeletons]);
  const all = [...tokens, ...[...skeletons].map((s) => `~${s}`)];
  return all.length === 0 ? '' : ` ${all.join(' ')} `;
}

/** A user's query turned into match terms: for each query token, the alternatives that may match it in a key: the folded token itself (matched as a substring of the key) and its skeleton (matched as ' ~' + skeleton + ' ', a whole skeleton of the key). Every term (query token) must match (AND); any alternative of a term may (OR). Tokens shorter than 2 characters after folding are dropped. */
export function nameQueryTerms(query: string): NameQueryTerm[] {
  const seen = new Set<string>();
  const terms: NameQueryTerm[] = [];
  for (const token of nameTokens(query)) {
    if (token.length < 2 || seen.has(token)) continue;
    seen.add(token);
    terms.push({ token, skeleton: nameSkeleton(token) || null });
  }
  return terms;
}

/** Whether a key from nameSearchKey matches query terms from nameQueryTerms; the reference for callers. */
export function nameKeyMatches(key: string, terms: readonly NameQueryTerm[]): boolean {
  return terms.every((t) => key.includes(t.token) || (t.skeleton !== null && key.includes(` ~${t.skeleton} `)));
}
