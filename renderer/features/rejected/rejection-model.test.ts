import { describe, expect, it } from 'vitest';
import type { AccessRequest, Command, CommandResult } from '../../../core/index.js';
import { makeGrant } from '../../../core/test-fixtures.js';
import { codeWords, describeRejection, type Lookup } from './rejection-model.js';

const request = { id: 'req-1', requesterId: 'u-bob', resourceId: 'res-reader' } as AccessRequest;
const lookup: Lookup = {
  request: (id) => (id === 'req-1' ? request : undefined),
  grant: (id) => (id === 'g-1' ? makeGrant({ id: 'g-1', requestId: 'req-g', userId: 'u-carol', resourceId: 'res-reader' }) : undefined),
  task: () => undefined,
  proposal: () => undefined,
  person: (id) => ({ 'u-bob': 'Bob Nguyen', 'u-carol': 'Carol Diaz' })[id] ?? id,
  resource: (id) => (id === 'res-reader' ? 'Global Reader' : id),
};
const result = (type: CommandResult['type'], code: CommandResult['code'], subjectIds: string[] = []) => ({ type, code, subjectIds });
const sent = (payload: Record<string, unknown>) => ({ payload }) as Pick<Command, 'payload'>;

describe('describeRejection', () => {
  it('names the request by its resource and person, and says the code as a sentence', () => {
    expect(describeRejection(result('request.approve', 'already_decided'), sent({ requestId: 'req-1' }), lookup, 'u-alice')).toEqual({
      title: 'Approval of Global Reader for Bob Nguyen not applied',
      why: 'Someone decided it first',
      link: { screen: 'requests', id: 'req-1', label: 'Open the request' },
    });
  });

  it('leaves the person out when it is the viewer’s own, and points a grantee to My access', () => {
    expect(describeRejection(result('request.cancel', 'stale'), sent({ requestId: 'req-1' }), lookup, 'u-bob').title).toBe('Cancellation of Global Reader not applied');
    expect(describeRejection(result('grant.extend', 'extension_limit'), sent({ grantId: 'g-1' }), lookup, 'u-carol')).toMatchObject({
      title: 'Request for more time of Global Reader not applied',
      why: 'No more time can be asked for',
      link: { screen: 'my-access', id: 'req-g' },
    });
    expect(describeRejection(result('grant.revoke', 'forbidden'), sent({ grantId: 'g-1' }), lookup, 'u-alice').link).toMatchObject({ screen: 'grants' });
  });

  it('says what a new request was for, and an id when the replica does not hold the subject', () => {
    expect(describeRejection(result('request.create', 'not_eligible'), sent({ resourceId: 'res-reader' }), lookup, 'u-bob').title).toBe('Request for Global Reader not accepted');
    expect(describeRejection(result('request.create', 'forbidden'), sent({ resourceId: 'res-reader', onBehalfOf: 'sp-export' }), lookup, 'u-bob')).toMatchObject({ title: 'Request for Global Reader for sp-export not accepted', why: 'Only its owners may ask for access for it' });
    expect(describeRejection(result('request.deny', 'not_found'), sent({ requestId: 'req-gone' }), lookup, 'u-alice')).toMatchObject({ title: 'Denial of request req-gone not applied', link: null });
  });

  it('names a configuration change by its entity, says a widening of one’s own access as such, and links to its editor', () => {
    expect(describeRejection(result('policy.upsert', 'self_approval_forbidden'), sent({ policy: { id: 'pol-1', name: 'One approver' } }), lookup, 'u-mallory')).toEqual({
      title: 'Policy change to “One approver” not applied',
      why: 'It would widen your own access',
      link: { screen: 'policies', id: 'pol-1', label: 'Open it in the editor' },
    });
    expect(describeRejection(result('resource.upsert', 'conflict'), sent({ resource: { id: 'res-1', name: 'Vault' } }), lookup, 'u-mallory')).toMatchObject({ why: 'It clashes with another change', link: { screen: 'resources', id: 'res-1' } });
  });

  it('words every code, and an unknown one readably', () => {
    expect(codeWords('forbidden')).toBe('Your roles do not allow it');
    expect(codeWords('something_new')).toBe('Something new');
  });
});
