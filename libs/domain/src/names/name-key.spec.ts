import { nameKeyMatches, nameQueryTerms, nameSearchKey, nameSkeleton, nameTokens, type NameParts } from './name-key.js';

// Written out as a caller would, to pin the contract rather than the helper.
const matches = (key: string, query: string): boolean =>
  nameQueryTerms(query).every((t) => key.includes(t.token) || (t.skeleton !== null && key.includes(` ~${t.skeleton} `)));
const found = (name: NameParts, query: string): boolean => matches(nameSearchKey(name), query);

describe('nameTokens', () => {
  it('removes Arabic diacritics, tatweel and Quranic marks', () => {
    expect(nameTokens('مُحَمَّد')).toEqual(['محمد']);
    expect(nameTokens('محـــمد')).toEqual(['محمد']);
    expect(nameTokens('عَلِيٌّ')).toEqual(['علي']);
    expect(nameTokens('هٰذا ۖ')).toEqual(['هذا']);
  });

  it('folds hamza and alef variants, ta marbuta, alef maqsura and standalone hamza', () => {
    expect(nameTokens('أحمد')).toEqual(nameTokens('احمد'));
    expect(nameTokens('إبراهيم')).toEqual(['ابراهيم']);
    expect(nameTokens('آمنة ٱلزهراء')).toEqual(['امنه', 'الزهرا']);
    expect(nameTokens('فاطمة')).toEqual(nameTokens('فاطمه'));
    expect(nameTokens('مصطفى')).toEqual(nameTokens('مصطفي'));
    expect(nameTokens('مؤمن رائد علاء')).toEqual(['مومن', 'رايد', 'علا']);
  });

  it('folds Persian letter forms, presentation forms and Arabic-Indic digits', () => {
    expect(nameTokens('علی کریم')).toEqual(['علي', 'كريم']);
    expect(nameTokens('ﻣﺤﻤﺪ')).toEqual(['محمد']);
    expect(nameTokens('٢٠٢٤ ۱۲')).toEqual(['2024', '12']);
  });

  it('lowercases Latin and strips accents and special letters', () => {
    expect(nameTokens('ÖZİL')).toEqual(['ozil']);
    expect(nameTokens('Özil')).toEqual(['ozil']);
    expect(nameTokens('Nūr Ḥusayn')).toEqual(['nur', 'husayn']);
    expect(nameTokens('Straße Łukasz Ærø Đorđe')).toEqual(['strasse', 'lukasz', 'aero', 'dorde']);
  });

  it('drops ayn and hamza marks and apostrophes, and splits on separators', () => {
    for (const ali of ['ʿAli', "'Ali", '’Ali', '‘Ali', '`Ali', 'ʾAli', 'Ali']) expect(nameTokens(ali)).toEqual(['ali']);
    expect(nameTokens("Mu'min")).toEqual(['mumin']);
    expect(nameTokens('Hasan, Ali. (Abu) / Omar – Samir')).toEqual(['hasan', 'ali', 'abuomar', 'samir']);
    expect(nameTokens('Jean-Pierre')).toEqual(['jean', 'pierre']);
    expect(nameTokens('محمدAli')).toEqual(['محمد', 'ali']);
  });

  it('spells the Abd al- particle one way, joined or apart', () => {
    for (const name of ['Abd al-Rahman', 'Abdulrahman', 'Abdel Rahman', 'Abd el-Rahman', 'Abdul-Rahman', 'Abd ar-Rahman', 'Abdurrahman']) {
      expect(nameTokens(name)).toEqual(['abdalrahman']);
    }
    expect(nameTokens('عبد الرحمن')).toEqual(['عبدالرحمن']);
    expect(nameTokens('عبدالرحمن')).toEqual(['عبدالرحمن']);
    expect(nameTokens('Abdullah')).toEqual(['abdallah']);
  });

  it('joins the article and Abu to the next word', () => {
    expect(nameTokens('Al-Masri')).toEqual(['almasri']);
    expect(nameTokens('el Masri')).toEqual(['almasri']);
    expect(nameTokens('Nur ad-Din')).toEqual(['nur', 'aldin']);
    expect(nameTokens('Nureddin')).toEqual(['nuraldin']);
    expect(nameTokens('Abu Sois')).toEqual(nameTokens('Abusois'));
    expect(nameTokens('أبو صويص')).toEqual(['ابوصويص']);
    expect(nameTokens('ال نجار')).toEqual(['النجار']);
  });

  it('returns nothing for empty or punctuation-only text', () => {
    expect(nameTokens('')).toEqual([]);
    expect(nameTokens(' - ,. ')).toEqual([]);
  });
});

describe('nameSkeleton', () => {
  it('gives Muhammad one skeleton in every spelling and script', () => {
    for (const name of ['Mohammed', 'Muhammad', 'Mohamed', 'Mohammad', 'Mohamad', 'محمد', 'مُحَمَّد']) expect(nameSkeleton(name)).toBe('mhmd');
  });

  // Arabic names and their transliterations as written in the public-domain TechForPalestine list.
  it.each([
    ['أحمد', ['Ahmad', 'Ahmed']],
    ['إبراهيم', ['Ibrahim', 'Ibrahem']],
    ['يوسف', ['Yousef', 'Youssef', 'Yusuf']],
    ['خالد', ['Khaled', 'Khalid']],
    ['حسين', ['Hussain', 'Hussein', 'Husayn']],
    ['فاطمة', ['Fatima', 'Fatimah']],
    ['مصطفى', ['Mustafa', 'Moustafa', 'Mostafa']],
    ['عائشة', ['Aisha', 'Ayesha']],
    ['صالح', ['Saleh', 'Salih']],
    ['عبدالله', ['Abdullah', 'Abdallah', 'Abd Allah']],
    ['عبد الرحمن', ['Abdulrahman', 'Abd al-Rahman', 'Abdel Rahman']],
    ['زهير', ['Zuhair']],
    ['سهيل', ['Suhail']],
    ['هيثم', ['Haitham']],
    ['منذر', ['Munther', 'Munthr']],
    ['شادي', ['Shadi', 'Chadi']],
    ['ادهم', ['Adham']],
    ['ضيف', ['Dhif', 'Daif']],
    ['عوض', ['Awad', 'Aodh']],
    ['طه', ['Taha']],
    ['علي', ['Ali', 'ʿAli']],
    ['علوان', ['Alwan']],
    ['وائل', ['Wael', "Wa'il"]],
    ['رائد', ['Raed', "Ra'id"]],
    ['زياد', ['Ziad', 'Ziyad', 'Zyad']],
    ['قاسم', ['Qasim', 'Kassem']],
    ['جمال', ['Jamal', 'Gamal']],
    ['غسان', ['Ghassan']],
    ['الشرافي', ['Alshrafii', 'al-Sharafi', 'El Sharafi']],
    ['اليازجي', ['al-Yazji']],
    ['ابوالنجا', ['Abual-naja', 'Abu al-Naja', 'Abu Naja']],
  ])('%s has the skeleton of %j', (arabic, latin) => {
    const skeleton = nameSkeleton(nameTokens(arabic).join(''));
    expect(skeleton).not.toBe('');
    for (const name of latin) expect(nameSkeleton(nameTokens(name).join(''))).toBe(skeleton);
  });

  it.each([
    ['b', 'ب پ', 'b p'],
    ['t', 'ت ط ث ذ', 't th'],
    ['d', 'د ض', 'd dh'],
    ['z', 'ز ظ', 'z'],
    ['s', 'س ص', 's ce ci'],
    ['c', 'ش چ', 'sh ch'],
    ['j', 'ج گ', 'j g dj zh'],
    ['g', 'غ', 'gh'],
    ['h', 'ح ه', 'h'],
    ['x', 'خ', 'kh x'],
    ['k', 'ق ك', 'k q c ck'],
    ['f', 'ف ڤ', 'f v ph'],
    ['l', 'ل', 'l'],
    ['r', 'ر', 'r'],
    ['m', 'م', 'm'],
    ['n', 'ن', 'n'],
  ])('puts in class %s: %s, %s', (cls, arabic, latin) => {
    for (const letter of arabic.split(' ')) expect(nameSkeleton(letter)).toBe(cls);
    for (const letters of latin.split(' ')) expect(nameSkeleton(`a${letters}a`)).toBe(cls);
  });

  it('keeps w and y only as a first letter, drops the article unless too little is left, and drops a final h', () => {
    expect(nameSkeleton('Walid')).toBe(nameSkeleton('وليد'));
    expect(nameSkeleton('Walid')).toBe('wld');
    expect(nameSkeleton('Marwan')).toBe('mrn');
    expect(nameSkeleton('Al-Najjar')).toBe('njr');
    expect(nameSkeleton('النجار')).toBe('njr');
    expect(nameSkeleton('Alaa')).toBe('l');
    expect(nameSkeleton('Hamzah')).toBe('hmz');
  });

  it('is empty for a token without consonants', () => {
    expect(nameSkeleton('')).toBe('');
    expect(nameSkeleton('Aya')).toBe('');
    expect(nameSkeleton('ع')).toBe('');
    expect(nameSkeleton('2024')).toBe('');
  });
});

describe('nameSearchKey', () => {
  it('lists the distinct tokens, then the distinct skeletons, between spaces', () => {
    expect(nameSearchKey({ latin: 'Mohamed Ali' })).toBe(' mohamed ali ~mhmd ~l ');
    expect(nameSearchKey({ arabic: 'محمد علي', latin: 'Mohamed Ali', given: 'Mohamed' })).toBe(' محمد علي mohamed ali ~mhmd ~l ');
  });

  it('adds the skeletons of the parts of a compound name', () => {
    const key = nameSearchKey({ arabic: 'نورالدين' });
    expect(key).toContain(' ~nrldn ');
    expect(key).toContain(' ~nr ');
    expect(key).toContain(' ~dn ');
  });

  it('adds no one-letter skeleton for a part: Abdullah is not Ali', () => {
    expect(nameSearchKey({ latin: 'Abdullah' })).toBe(' abdallah ~bdl ');
  });

  it('is empty for no name', () => {
    expect(nameSearchKey(undefined)).toBe('');
    expect(nameSearchKey({})).toBe('');
    expect(nameSearchKey({ latin: '', arabic: ' ، ' })).toBe('');
  });
});

describe('nameQueryTerms', () => {
  it('gives one term per distinct token, with its skeleton', () => {
    expect(nameQueryTerms('Mohamed  ALI mohamed')).toEqual([
      { token: 'mohamed', skeleton: 'mhmd' },
      { token: 'ali', skeleton: 'l' },
    ]);
    expect(nameQueryTerms('Aya')).toEqual([{ token: 'aya', skeleton: null }]);
  });

  it('drops tokens shorter than two characters', () => {
    expect(nameQueryTerms('M. A. - ع')).toEqual([]);
    expect(nameQueryTerms('M. Ali')).toEqual([{ token: 'ali', skeleton: 'l' }]);
    expect(nameQueryTerms('')).toEqual([]);
  });
});

describe('searching names', () => {
  it('finds Arabic with and without diacritics and letter variants', () => {
    expect(found({ arabic: 'مُحَمَّد أَحْمَد' }, 'محمد احمد')).toBe(true);
    expect(found({ arabic: 'محمد احمد' }, 'مُحَمَّد أَحمد')).toBe(true);
    expect(found({ arabic: 'إبراهيم' }, 'ابراهيم')).toBe(true);
    expect(found({ arabic: 'فاطمه' }, 'فاطمة')).toBe(true);
    expect(found({ arabic: 'مصطفي' }, 'مصطفى')).toBe(true);
  });

  it('finds Latin case- and accent-insensitively, and by part of a word', () => {
    expect(found({ latin: 'Mesut Özil' }, 'OZIL')).toBe(true);
    expect(found({ latin: 'Nūr' }, 'nur')).toBe(true);
    expect(found({ latin: 'Mohamed Ali' }, 'moham')).toBe(true);
  });

  it('finds other transliterations and the other script by skeleton', () => {
    expect(found({ latin: 'Muhammad Khalid' }, 'Mohammed Khaled')).toBe(true);
    expect(found({ arabic: 'محمد خالد حسين' }, 'Mohamed Khalid Hussein')).toBe(true);
    expect(found({ latin: 'Yousef Hussain' }, 'يوسف حسين')).toBe(true);
  });

  it('finds every spelling of Abd al-Rahman by any other and by "rahman"', () => {
    const spellings = ['Abd al-Rahman', 'Abdulrahman', 'Abdel Rahman', 'عبد الرحمن', 'عبدالرحمن'];
    for (const name of spellings) {
      const key = nameSearchKey(/\p{Script=Arabic}/u.test(name) ? { arabic: name } : { latin: name });
      for (const query of [...spellings, 'abdulrahman', 'rahman', 'الرحمن']) expect([name, query, matches(key, query)]).toEqual([name, query, true]);
    }
  });

  // From the public-domain TechForPalestine list: the Arabic name and its English form.
  it('finds an Arabic name by its English form and the other way round', () => {
    const arabic = 'أمل محمد جمعة أبو صويص';
    const latin = 'Amal Muhammad Jmuaah Abu Sois';
    expect(found({ arabic }, latin)).toBe(true);
    expect(found({ latin }, arabic)).toBe(true);
    expect(found({ arabic: 'هدى صالح صالح ابوالنجا' }, 'Abual-naja')).toBe(true);
    expect(found({ arabic: 'يوسف عزالدين عاطف حسان' }, 'Yousef Azal-deen')).toBe(true);
    expect(found({ arabic: 'يحيى نورالدين يحيى العقاد' }, 'Nour al-Din')).toBe(true);
  });

  it('requires every query word', () => {
    expect(found({ latin: 'Mohamed Ali' }, 'Mohamed Hassan')).toBe(false);
    expect(found({ latin: 'Mohamed Ali' }, 'ali mohamed')).toBe(true);
  });

  it('does not match a skeleton inside a longer one', () => {
    expect(found({ latin: 'Mahmoud' }, 'Ahmad')).toBe(false);
    expect(found({ arabic: 'محمود' }, 'احمد')).toBe(false);
    expect(found({ latin: 'Abdullah' }, 'Ali')).toBe(false);
    expect(found({ latin: 'Hassan' }, 'Hussam')).toBe(false);
  });

  it('is coarse on purpose: Muhammad and Mahmoud share a skeleton, though not a token', () => {
    const terms = nameQueryTerms('Mohammed');
    const key = nameSearchKey({ latin: 'Mahmoud' });
    expect(key.includes(terms[0]!.token)).toBe(false);
    expect(nameKeyMatches(key, terms)).toBe(true);
  });

  it('matches everything for a query without terms, as nameKeyMatches does', () => {
    expect(matches(nameSearchKey({ latin: 'Ali' }), 'M.')).toBe(true);
    expect(nameKeyMatches(' ali ~l ', nameQueryTerms('ali'))).toBe(matches(' ali ~l ', 'ali'));
  });

  it('compares names under Unicode normalisation: composed or combining, full-width, ligatures, compatibility forms', () => {
    const composed = 'Ahmad al-Hussein \u00d6zil Nu\u0304r';
    const combining = 'Ahmad al-Hussein O\u0308zil Nu\u0304r';
    expect(composed.normalize('NFC')).not.toBe(combining);
    expect(nameSearchKey({ latin: composed })).toBe(nameSearchKey({ latin: combining }));
    expect(found({ latin: '\uff21\uff48\uff4d\uff41\uff44' }, 'ahmad')).toBe(true);
    expect(found({ latin: 'Ahmad' }, '\uff21\uff28\uff2d\uff21\uff24')).toBe(true);
    expect(found({ latin: 'Ra\ufb01q' }, 'rafiq')).toBe(true);
    expect(found({ arabic: '\ufee3\ufea4\ufee4\ufeaa' }, '\u0645\u062d\u0645\u062f')).toBe(true);
    expect(nameQueryTerms('\u0645\u062d\u0645\u062f\u200c')).toEqual(nameQueryTerms('\u0645\u062d\u0645\u062f'));
  });
});
