import { useEffect, useState } from 'react';
import { isReadOnly, maySend } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { Dialog, Kbd } from '../ui/ui.js';
import { isTypingTarget } from './search.js';

/** Keys that send a decision: not listed for someone whose roles send none. */
const DECIDING = new Set([
  'Approve',
  'Deny (asks for a reason)',
  'Select or unselect',
  'Approve every selected request',
  'My access: cancel the selected request',
  'My access: ask for more time',
  'My access: give the access back',
  'My tasks: done',
  'My tasks: could not',
  'Request access: send the request',
]);

const SHORTCUTS: Array<[string[], string]> = [
  [['j'], 'Next item (queue, My access, My tasks, the catalog)'],
  [['k'], 'Previous item'],
  [['a'], 'Approve'],
  [['d'], 'Deny (asks for a reason)'],
  [['x'], 'Select or unselect'],
  [['Shift', 'a'], 'Approve every selected request'],
  [['v'], 'Queue: switch between mine and waiting on others'],
  [['c'], 'My access: cancel the selected request'],
  [['m'], 'My access: ask for more time'],
  [['b'], 'My access: give the access back'],
  [['e'], 'My tasks: done'],
  [['n'], 'My tasks: could not'],
  [['Ctrl', 'Enter'], 'Request access: send the request'],
  [['/'], 'Filter this screen'],
  [['Shift', 'Enter'], 'In the search box: search everything'],
  [['?'], 'Show these shortcuts'],
  [['Esc'], 'Close a dialog, leave the search box'],
];

/** The reviewer's inbox has keys of its own (k keeps there, so ↑ or p moves up): InboxPage.tsx. */
const INBOX_SHORTCUTS: Array<[string[], string, boolean]> = [
  [['j', '↓'], 'Next item', false],
  [['p', '↑'], 'Previous item', false],
  [['Home', 'End'], 'First, last item', false],
  [['k'], 'Keep', true],
  [['r'], 'Remove (asks for a reason)', true],
  [['x'], 'Select or unselect', true],
  [['Shift', 'k'], 'Keep every selected item', true],
  [['Shift', 'r'], 'Remove every selected item (asks for a reason)', true],
];

const onInbox = () => /^#\/?reviews\/inbox(\/|$)/.test(window.location.hash);

function Keys({ keys, or = false }: { keys: string[]; or?: boolean }) {
  return (
    <>
      {keys.map((k, i) => (
        <span key={k}>
          {i > 0 ? (or ? ' or ' : ' + ') : null}
          <Kbd>{k}</Kbd>
        </span>
      ))}
    </>
  );
}

/** "?" anywhere shows the keyboard shortcuts; on the review inbox, its own keys first. */
export function ShortcutsDialog() {
  const [open, setOpen] = useState(false);
  const [inbox, setInbox] = useState(false);
  const { user } = useSession();
  const readOnly = isReadOnly(user);
  const shown = readOnly ? SHORTCUTS.filter(([, label]) => !DECIDING.has(label)) : SHORTCUTS;
  const mayDecide = maySend(user, 'review.decide');
  const inboxShown = INBOX_SHORTCUTS.filter(([, , deciding]) => mayDecide || !deciding);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === '?' && !isTypingTarget(event.target) && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        setInbox(onInbox());
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={() => setOpen(false)}>
      {readOnly ? <p className="muted small">Read-only: your roles send no decisions, so the approve, deny and select keys are off.</p> : null}
      {inbox ? (
        <>
          <h3 className="section-label">Review inbox</h3>
          {mayDecide ? null : <p className="muted small">Your roles decide no review items, so keep, remove and select are off.</p>}
          <table className="shortcuts" data-testid="inbox-shortcuts">
            <tbody>
              {inboxShown.map(([keys, label]) => (
                <tr key={label}>
                  <td>{keys[0] === 'Shift' ? <Keys keys={keys} /> : <Keys keys={keys} or />}</td>
                  <td>{label}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3 className="section-label">Everywhere else</h3>
        </>
      ) : null}
      <table className="shortcuts">
        <tbody>
          {shown.filter(([keys]) => !inbox || !['j', 'k', 'a', 'd', 'x'].includes(keys.join('+'))).map(([keys, label]) => (
            <tr key={label}>
              <td>
                <Keys keys={keys} />
              </td>
              <td>{label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
