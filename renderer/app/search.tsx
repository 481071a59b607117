import { createContext, useContext, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';

/** The top bar's search box: each screen filters its own list by it. */
type SearchApi = { query: string; setQuery(q: string): void; inputRef: RefObject<HTMLInputElement | null> };

const SearchContext = createContext<SearchApi | null>(null);

export function SearchProvider({ children }: { children: ReactNode }) {
  const [query, setQuery] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const value = useMemo(() => ({ query, setQuery, inputRef }), [query]);
  return <SearchContext.Provider value={value}>{children}</SearchContext.Provider>;
}

export function useSearch(): SearchApi {
  const value = useContext(SearchContext);
  if (!value) throw new Error('useSearch outside SearchProvider');
  return value;
}

/** True when a key press belongs to a text field, not to the screen's shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
}
