import { useEffect, useState } from 'react';
import { Dialog, Kbd } from '../ui/ui.js';
import { isTypingTarget } from './search.js';

const SHORTCUTS: Array<[string[], string]> = [
  [['j'], 'Next request'],
  [['k'], 'Previous request'],
  [['a'], 'Approve'],
  [['d'], 'Deny (asks for a reason)'],
  [['x'], 'Select or unselect'],
  [['Shift', 'a'], 'Approve every selected request'],
  [['/'], 'Search'],
  [['?'], 'Show these shortcuts'],
  [['Esc'], 'Close a dialog, leave the search box'],
];

/** "?" anywhere shows the keyboard shortcuts. */
export function ShortcutsDialog() {
  const [open, setOpen] = useState(false);
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
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, label]) => (
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
