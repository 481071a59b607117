/** `jit approve` and `jit deny`: an approver decides a request whose current step names them. */
import { randomUUID } from 'node:crypto';
import { output, print, printJson } from '../output.js';
import { signedIn } from '../session.js';
import type { CommandAnswer } from '../words.js';

export async function decide(decision: 'approve' | 'deny', requestId: string, options: { why?: string }): Promise<void> {
  const { client } = signedIn();
  const result = await client.call<CommandAnswer>('POST', '/api/v1/commands', {
    body: { id: `cmd-cli-${randomUUID()}`, type: decision === 'approve' ? 'request.approve' : 'request.deny', payload: { requestId, reason: options.why ?? '' } },
    flags: { requestId: '<request-id>', reason: '--why' },
  });
  if (output.json) return printJson({ result });
  print(`${decision === 'approve' ? 'Approved' : 'Denied'}: ${result.message}`);
}
