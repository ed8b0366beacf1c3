import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The console's words in both languages (i18n.ts): every namespace in both, with the same keys and the same
// {{placeholders}}, so switching language never shows a raw key or drops a number from a sentence. Plural forms
// differ by language (English has count_one and count_other, Chinese only count_other), so keys are compared by
// their base.
const LANGUAGES = ['en', 'zh'] as const;
const folder = (language: string) => join(__dirname, language);
const wordsOf = (language: string, namespace: string): unknown =>
  JSON.parse(readFileSync(join(folder(language), `${namespace}.json`), 'utf8'));

/** `key.path` → the placeholders its sentence uses, for every string in a namespace. */
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

const sentences = (words: unknown, prefix = '', found = new Map<string, string>()): Map<string, string> => {
  if (typeof words === 'string') {
    if (words.trim() === '') throw new Error(`${prefix} is empty`);
    const base = prefix.replace(PLURAL_SUFFIX, '');
    const placeholders = [...words.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1] as string);
    const known = found.get(base)?.split(',').filter(Boolean) ?? [];
    found.set(base, [...new Set([...known, ...placeholders])].sort().join(','));
  } else if (words && typeof words === 'object') {
    for (const [key, value] of Object.entries(words)) sentences(value, prefix ? `${prefix}.${key}` : key, found);
  }
  return found;
};

describe('the console in Chinese and English', () => {
  const namespaces = readdirSync(folder('en')).map((file) => file.replace(/\.json$/, ''));

  it('has the same namespaces in both languages, common among them', () => {
    expect(namespaces).toContain('common');
    for (const language of LANGUAGES) {
      expect(
        readdirSync(folder(language))
          .map((file) => file.replace(/\.json$/, ''))
          .sort(),
      ).toEqual([...namespaces].sort());
    }
  });

  it.each(namespaces)('%s: every sentence in both, with the same placeholders', (namespace) => {
    const en = sentences(wordsOf('en', namespace));
    const zh = sentences(wordsOf('zh', namespace));
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [path, placeholders] of en) expect({ path, placeholders: zh.get(path) }).toEqual({ path, placeholders });
  });
});
