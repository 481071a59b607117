/** `jit grants`, `jit extend` and `jit give-back`: the access one holds, and that the service identities one owns hold. */
import { randomUUID } from 'node:crypto';
import type { AccessRequest, Grant } from '../../core/index.js';
import { formatMinutes, timeLeft } from '../duration.js';
import { minutesOf, msOf, output, print, printJson } from '../output.js';
import { signedIn } from '../session.js';
import { LIVE_GRANT_STATES, namesOf, VERIFICATION_WORDS, whereIs, type CommandAnswer } from '../words.js';
import { finishWaiting, type WaitOptions } from './requests.js';

export async function grants(options: { all?: boolean }): Promise<void> {
  const { client, credentials } = signedIn();
  const nameOf = await namesOf(client);
  const { grants: all } = await client.call<{ grants: Grant[] }>('GET', '/api/v1/grants?mine=1&limit=1000');
  const now = new Date();
  const shown = (options.all ? all : all.filter((g) => LIVE_GRANT_STATES.has(g.status))).map((g) => ({
    ...g,
    resourceName: nameOf(g.resourceId),
    minutesLeft: Math.max(0, Math.floor((Date.parse(g.expiresAt) - now.getTime()) / 60_000)),
  }));
  if (output.json) return printJson({ grants: shown });
  if (shown.length === 0) return print(options.all ? 'You have no grants.' : 'You have no active grants (jit grants --all shows ended ones).');
  for (const g of shown) {
    const left = LIVE_GRANT_STATES.has(g.status) ? `${timeLeft(g.expiresAt, now)} (until ${g.expiresAt})` : `ended ${g.revokedAt ?? g.expiresAt}`;
    const extensions = g.maxExtensions > 0 ? `; extended ${g.extensions} of ${g.maxExtensions} times allowed` : '';
    // A grant a service identity you own holds: yours to give back or extend, for it.
    const holder = g.userId === credentials.user.id ? '' : `  for ${g.userId}`;
    print(`${g.id}  ${g.resourceName}${holder}  ${g.status.replace('_', ' ')}  ${left}  ${VERIFICATION_WORDS[g.verification]}${extensions}`);
  }
}

export async function extend(grantId: string, options: WaitOptions & { by: string; why?: string }): Promise<void> {
  const minutes = minutesOf('--by', options.by);
  const timeoutMs = msOf('--timeout', options.timeout);
  const everyMs = msOf('--every', options.every);
  const { client } = signedIn();
  const requestId = `ext-${randomUUID()}`;
  const result = await client.call<CommandAnswer>('POST', '/api/v1/commands', {
    body: { id: `cmd-cli-${randomUUID()}`, type: 'grant.extend', payload: { grantId, minutes, reason: options.why ?? '', requestId } },
    flags: { grantId: '<grant>', minutes: '--by', reason: '--why', durationMinutes: '--by', justification: '--why' },
  });
  const asked = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(requestId)}`);
  if (options.wait) {
    if (!output.json) print(`Asked for ${formatMinutes(minutes)} more on grant ${grantId}: ${requestId}`);
    return finishWaiting(client, asked, { timeoutMs, everyMs });
  }
  if (output.json) return printJson({ result, request: asked });
  print(`Asked for ${formatMinutes(minutes)} more on grant ${grantId}: ${requestId}`);
  if (asked.status === 'approved') print(`  ${result.message}`);
  else print(`  it went to the approvers, ${whereIs(asked)}\n  Follow it with: jit status ${requestId}`);
}

export async function giveBack(grantId: string, options: { why?: string }): Promise<void> {
  const { client } = signedIn();
  const result = await client.call<CommandAnswer>('POST', '/api/v1/commands', {
    body: { id: `cmd-cli-${randomUUID()}`, type: 'grant.revoke', payload: { grantId, reason: options.why ?? 'given back early' } },
    flags: { grantId: '<grant>', reason: '--why' },
  });
  if (output.json) return printJson({ result });
  print(`Gave back grant ${grantId}: ${result.message}`);
  print('  jit grants --all shows when it is verified gone');
}
