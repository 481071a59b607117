import { useEffect, useReducer, useRef, type RefObject } from 'react';

/**
 * The value as it was before the search last changed, while the search box has the focus and until
 * the search has rested `ms`: as someone types, the list answers every keystroke and the detail pane
 * (a whole request, its context and history) waits for the pause instead of being rendered for each
 * request that passes under the cursor. Leaving the box (Enter, Escape, a click) shows the request
 * at once, and so does any other change (j/k, a click on a row, new data).
 */
export function useSettledWhileTyping<T>(value: T, search: string, input: RefObject<HTMLInputElement | null>, ms = 150): T {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const state = useRef({ search, value, until: 0 });
  const now = performance.now();
  if (search !== state.current.search) state.current = { ...state.current, search, until: now + ms };
  const typing = input.current !== null && document.activeElement === input.current;
  const settled = !typing || now >= state.current.until;
  if (settled) state.current.value = value;
  useEffect(() => {
    if (settled) return;
    const timer = setTimeout(tick, Math.max(0, state.current.until - performance.now()));
    return () => clearTimeout(timer);
  });
  useEffect(() => {
    const box = input.current;
    if (!box) return;
    box.addEventListener('blur', tick);
    return () => box.removeEventListener('blur', tick);
  }, [input]);
  return state.current.value;
}
