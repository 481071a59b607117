/**
 * One free-text word of a query matched against everything an event is found by: the words of its
 * free-text fields, its subject's id, the names and ids of its people and resource, and its type
 * (by name and in words). Each is a prefix match ("rev" finds "revoked" and "Revocation failed").
 */
import type { AuditIndex, Dictionary } from './audit-index.js';
import { tokenize } from './event-facets.js';
import { eventTypeWords } from './event-words.js';
import { postingRows, RowSet, type Postings } from './postings.js';

/** Names of people and resources as the replica has them now (they can change; ids do not). */
export type NameBook = {
  personName?(id: string): string | undefined;
  resourceName?(id: string): string | undefined;
};

const wordCache = new Map<string, string[]>();

function wordsOf(text: string): string[] {
  let words = wordCache.get(text);
  if (!words) {
    words = [...tokenize(text)];
    if (wordCache.size > 100_000) wordCache.clear();
    wordCache.set(text, words);
  }
  return words;
}

function anyStartsWith(words: readonly string[], prefix: string): boolean {
  for (const word of words) if (word.startsWith(prefix)) return true;
  return false;
}

/** Codes of a dictionary whose value, or its name, has a word starting with `prefix`. */
function matchingCodes(dictionary: Dictionary, prefix: string, name?: (id: string) => string | undefined): number[] {
  const codes: number[] = [];
  const values = dictionary.values;
  for (let code = 1; code < values.length; code++) {
    const id = values[code]!;
    const shown = name?.(id);
    if (anyStartsWith(wordsOf(id), prefix) || (shown !== undefined && anyStartsWith(wordsOf(shown), prefix))) codes.push(code);
  }
  return codes;
}

export function matchWord(index: AuditIndex, word: string, names: NameBook, size: number): RowSet {
  const set = new RowSet(size);
  const add = (map: Map<number, Postings>, codes: Iterable<number>) => {
    for (const code of codes) set.addPostings(map.get(code));
  };
  for (const found of index.words.matching(word)) set.addPostings(index.byWord.get(found));
  for (const found of index.subjectVocabulary.matching(word)) add(index.bySubject, postingRows(index.subjectWords.get(found)));
  add(index.byPerson, matchingCodes(index.people, word, names.personName));
  add(index.byResource, matchingCodes(index.resources, word, names.resourceName));
  add(index.byType, matchingCodes(index.types, word, eventTypeWords));
  return set;
}
