import type { Assignment, AssignmentRef, Connector, ConnectorOutcome, VerifyOutcome } from '../../core/index.js';
import type { ManualConnectorConfig } from './config.js';

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
    return { status: 'pending', taskTitle: `Grant ${ref.resource.name} to ${ref.principalId}`, detail: `grant ${ref.grantId}${ref.expiresAt ? `, until ${ref.expiresAt}` : ''}` };
  }

  async revoke(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return { status: 'pending', taskTitle: `Remove ${ref.resource.name} from ${ref.principalId}`, detail: `grant ${ref.grantId} has ended; confirm the access is removed` };
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
