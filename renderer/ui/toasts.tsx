import clsx from 'clsx';
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { Icon } from './ui.js';

export type Toast = { id: number; tone: 'info' | 'success' | 'danger'; title: string; body?: string; action?: { label: string; href: string } };

const ToastContext = createContext<{ push(toast: Omit<Toast, 'id'>): void } | null>(null);

export function useToasts() {
  const value = useContext(ToastContext);
  if (!value) throw new Error('useToasts outside ToastProvider');
  return value;
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((list) => [...list.slice(-4), { ...toast, id }]);
      // Rejections stay until read; confirmations fade.
      if (toast.tone !== 'danger') setTimeout(() => dismiss(id), 5000);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ push }), [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="region" aria-label="Notifications" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={clsx('toast', `tone-${t.tone}`)} role={t.tone === 'danger' ? 'alert' : 'status'}>
            <Icon name={t.tone === 'danger' ? 'alert' : t.tone === 'success' ? 'check' : 'cloud'} />
            <div className="toast-text">
              <strong>{t.title}</strong>
              {t.body ? <span>{t.body}</span> : null}
              {t.action ? (
                <a href={t.action.href} onClick={() => dismiss(t.id)}>
                  {t.action.label}
                </a>
              ) : null}
            </div>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              <Icon name="x" size={14} />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
