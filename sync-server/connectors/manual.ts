import type { Assignment, AssignmentRef, Connector, ConnectorOutcome, VerifyOutcome } from '../../core/index.js';
import type { ManualConnectorConfig } from './config.js';

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The application role in words: its name, and its id in the application where the resource names one. */
function roleOf(ref: AssignmentRef): string {
  const id = ref.resource.target.externalId;
  return id ? `the role ${ref.resource.name} (${id})` : `the role ${ref.resource.name}`;
}

/**
 * Applications without an API: a person provisions and revokes. Every write answers `pending`
 * with the task to create; the directory cannot be read, so verification is never conclusive
 * here and is settled by the owner's sign-off on the task.
 */
export class ManualConnector implements Connector {
  readonly kind = 'manual' as const;
  readonly id: string;

  constructor(readonly config: ManualConnectorConfig) {
    this.id = config.id;
  }

  async provision(ref: AssignmentRef): Promise<ConnectorOutcome> {
    const ends = ref.expiresAt ? `The grant ends ${utc(ref.expiresAt)}; the removal comes to you as a task then.` : '';
    return {
      status: 'pending',
      taskTitle: `Grant ${ref.resource.name} to ${ref.principalId}`,
      detail: [`In the application, give ${ref.principalId} ${roleOf(ref)}.`, ends, 'Mark this task done once it is granted: the grant becomes active and your sign-off is its receipt.', `Grant ${ref.grantId}.`].filter(Boolean).join('\n'),
    };
  }

  async revoke(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return {
      status: 'pending',
      taskTitle: `Remove ${ref.resource.name} from ${ref.principalId}`,
      detail: [`The grant has ended: in the application, remove ${roleOf(ref)} from ${ref.principalId}.`, 'Check it is gone (the person can no longer use it), then mark this task done: your sign-off is the revocation receipt.', `Grant ${ref.grantId}.`].join('\n'),
    };
  }

  async verify(ref: AssignmentRef, expect: 'present' | 'absent'): Promise<VerifyOutcome> {
    return {
      // Unknown: assume the unwanted state so nothing is reported as proven.
      present: expect === 'absent',
      endpoint: `manual:${this.id}/${ref.resource.id}`,
      reads: [],
      consistentReads: 0,
      transitiveChecked: false,
      conclusive: false,
    };
  }

  async listAssignments(): Promise<Assignment[]> {
    return [];
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    return { ok: true, detail: 'manual: work goes to the application owner as tasks' };
  }
}
