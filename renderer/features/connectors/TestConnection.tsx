import { useMutation } from '@tanstack/react-query';
import clsx from 'clsx';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import type { ConnectorView } from './connectors-model.js';
import { mayTestConnectors, stepLabel, testConnection, type TestAnswer } from './test-connection.js';

/** On a connector card: a warning for plain LDAP, and for admins the server-side "Test connection". */
export function ConnectorTest({ connector }: { connector: ConnectorView }) {
  const { serverUrl, token, user } = useSession();
  const run = useMutation<TestAnswer, Error>({ mutationFn: () => testConnection(serverUrl, token, connector.id) });
  const plain = connector.settings.plainLdap === true;
  return (
    <>
      {plain ? (
        <div className="notice warning" role="status">
          <Icon name="alert" />
          Plain LDAP: the bind password and every change travel unencrypted. Use LDAPS or StartTLS.
        </div>
      ) : null}
      {mayTestConnectors(user.roles as string[]) ? (
        <div className="connector-test" data-testid="connector-test">
          <button type="button" className="button small" onClick={() => run.mutate()} disabled={run.isPending}>
            {run.isPending ? 'Testing…' : 'Test connection'}
          </button>
          {run.error ? <p className="text-danger small" role="alert">{run.error.message}</p> : null}
          {run.data ? (
            <div role="status" aria-live="polite">
              <p className={clsx('small', run.data.ok ? 'muted' : 'text-danger')}>
                {run.data.ok ? 'Connection works: ' : `Failed at ${stepLabel(run.data.failedStep ?? '')}: `}
                {run.data.summary}
              </p>
              <ol className="small connector-test-steps">
                {run.data.steps.map((s, i) => (
                  <li key={i} className={s.ok ? undefined : 'text-danger'} data-step={s.step} data-ok={s.ok}>
                    <Icon name={s.ok ? 'check' : 'x'} size={12} /> <strong>{stepLabel(s.step)}</strong>: {s.detail}
                  </li>
                ))}
              </ol>
            </div>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
