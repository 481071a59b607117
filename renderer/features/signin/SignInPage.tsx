import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { normaliseServerUrl } from '../../session/api-client.js';
import { useSessionApi } from '../../session/session.js';
import { signInMethods } from '../../session/sso.js';
import { Icon } from '../../ui/ui.js';

export function SignInPage({ notice }: { notice: string | null }) {
  const { host, signIn, signInWithProvider } = useSessionApi();
  const [serverUrl, setServerUrl] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void host.getSettings().then((s) => {
      setServerUrl((current) => current || s.serverUrl || host.defaultServerUrl() || '');
      setUsername((current) => current || s.lastUsername);
      // Returning people only need to type their password.
      (s.lastUsername ? passwordRef : usernameRef).current?.focus();
    });
  }, [host]);
  const login = useMutation({ mutationFn: () => signIn(serverUrl, username, password) });
  const viaProvider = useMutation({ mutationFn: () => signInWithProvider(serverUrl) });
  // How the server signs people in: "Sign in with <provider>" shows when it has one.
  const server = (() => {
    try {
      return serverUrl ? normaliseServerUrl(serverUrl) : null;
    } catch {
      return null;
    }
  })();
  const methods = useQuery({ queryKey: ['sign-in-methods', server], queryFn: () => signInMethods(server as string), enabled: server !== null, retry: false, staleTime: 60_000 });
  const sso = methods.data?.sso ?? null;
  const breakGlassOnly = methods.data?.password === 'break_glass_only';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!login.isPending) login.mutate();
  };
  const error = login.error ?? viaProvider.error;
  const message = error ? (error as Error & { status?: number }).message : null;

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div className="brand signin-brand">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="key" size={16} />
          </span>
          <span className="brand-name">JIT Access</span>
        </div>
        <h1 id="signin-title">Sign in to the access console</h1>
        <p className="muted small">Approve, revoke and audit time-bound privileged access.</p>
        {notice ? (
          <div className="notice warning" role="status">
            <Icon name="alert" />
            {notice}
          </div>
        ) : null}
        <label className="field">
          <span>Server</span>
          <input name="server" type="url" inputMode="url" autoComplete="url" required value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} placeholder="https://jit.example.com" />
        </label>
        {sso ? (
          <>
            <button type="button" className="button primary block" onClick={() => viaProvider.mutate()} disabled={viaProvider.isPending || login.isPending}>
              {viaProvider.isPending ? `Waiting for ${sso.name}…` : `Sign in with ${sso.name}`}
            </button>
            <p className="muted small signin-divider">{breakGlassOnly ? 'Password sign-in is kept for break-glass admins.' : 'Or with a password:'}</p>
          </>
        ) : null}
        <label className="field">
          <span>Username</span>
          <input ref={usernameRef} name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label className="field">
          <span>Password</span>
          <input ref={passwordRef} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {message ? (
          <div className="notice danger" role="alert">
            <Icon name="alert" />
            {message}
          </div>
        ) : null}
        <button type="submit" className={`button ${sso ? '' : 'primary '}block`} disabled={login.isPending || !serverUrl || !username || !password}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
