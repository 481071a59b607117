import { useEffect, useState } from 'react';
import { isReadOnly } from '../session/permissions.js';
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

/** "?" anywhere shows the keyboard shortcuts. */
export function ShortcutsDialog() {
  const [open, setOpen] = useState(false);
  const { user } = useSession();
  const readOnly = isReadOnly(user);
  const shown = readOnly ? SHORTCUTS.filter(([, label]) => !DECIDING.has(label)) : SHORTCUTS;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === '?' && !isTypingTarget(event.target) && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={() => setOpen(false)}>
      {readOnly ? <p className="muted small">Read-only: your roles send no decisions, so the approve, deny and select keys are off.</p> : null}
      <table className="shortcuts">
        <tbody>
          {shown.map(([keys, label]) => (
            <tr key={label}>
              <td>
                {keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 ? ' + ' : null}
                    <Kbd>{k}</Kbd>
                  </span>
                ))}
              </td>
              <td>{label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
