import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ThemePreference } from '../../../preload/api.js';
import { api } from '../../session/api-client.js';
import { useConsoleData } from '../../session/console-data.js';
import { connectionInWords } from '../../session/reach.js';
import { useSession, useSessionApi } from '../../session/session.js';
import { Avatar, statusLabel } from '../../ui/ui.js';
import { TwoStepSettings } from '../mfa/TwoStepSettings.js';
import { ChangePassword } from './ChangePassword.js';
import './settings.css';

export function SettingsPage({ theme, onTheme }: { theme: ThemePreference; onTheme(theme: ThemePreference): void }) {
  const { serverUrl, token, user } = useSession();
  const { host, signOut } = useSessionApi();
  const { status } = useConsoleData();
  const [confirming, setConfirming] = useState(false);
  const me = useQuery({ queryKey: ['me', serverUrl, token], queryFn: async () => (await api.me(serverUrl, token)).user, retry: false });
  const roles = (me.data?.roles ?? user.roles) as string[];

  return (
    <div className="page narrow">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Settings</h1>
        </div>
      </header>
      <section className="card">
        <h2 className="section-label">Account</h2>
        <div className="person">
          <Avatar name={user.displayName} />
          <div>
            <div className="person-name">{me.data?.displayName ?? user.displayName}</div>
            <div className="muted small">Roles: {roles.map(statusLabel).join(', ') || 'none'}</div>
          </div>
        </div>
        {me.isError ? <p className="muted small">Account details could not be refreshed from the server: {me.error.message}</p> : null}
      </section>
      <ChangePassword />
      <TwoStepSettings />
      <section className="card">
        <h2 className="section-label">Server</h2>
        <dl className="facts-grid">
          <dt>Address</dt>
          <dd>
            <code>{serverUrl}</code>
          </dd>
          <dt>Connection</dt>
          <dd data-testid="settings-connection">{connectionInWords(status)}</dd>
          <dt>Waiting to sync</dt>
          <dd>{status.pendingCommands}</dd>
          <dt>Runs in</dt>
          <dd>{host.kind === 'electron' ? 'Desktop app' : 'Web browser'}</dd>
        </dl>
      </section>
      <section className="card">
        <h2 className="section-label">Appearance</h2>
        <fieldset className="segmented">
          <legend className="visually-hidden">Theme</legend>
          {(['system', 'light', 'dark'] as const).map((t) => (
            <label key={t} className={theme === t ? 'selected' : undefined}>
              <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => onTheme(t)} />
              {t === 'system' ? 'Match system' : t === 'light' ? 'Light' : 'Dark'}
            </label>
          ))}
        </fieldset>
      </section>
      <section className="card">
        <h2 className="section-label">Sign out</h2>
        <p className="small">
          Signing out removes the local copy of your organisation's data from this device.
          {status.pendingCommands > 0 ? <strong> {status.pendingCommands} decision(s) have not synced yet and would be lost.</strong> : null}
        </p>
        {confirming ? (
          <div className="actions">
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" className="button danger" onClick={() => void signOut()} data-testid="confirm-sign-out">
              Sign out and remove local data
            </button>
          </div>
        ) : (
          <button type="button" className="button" onClick={() => setConfirming(true)} data-testid="sign-out">
            Sign out
          </button>
        )}
      </section>
    </div>
  );
}
