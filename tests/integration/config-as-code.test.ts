/**
 * Policy as code over REST against a real server with the demo organisation: export the YAML, edit
 * it as a person would, diff it, import it. Tightening applies at once (audited, changedBy kept),
 * a widening becomes one proposal another policy admin applies, a widening of one's own access and
 * leaving things out without ?prune=1 are refused, bad YAML is a 400 naming the line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestServer, type HttpResponse, type TestServer } from './helpers/server.js';

let srv: TestServer;
let mallory: string;
let bob: string;
let heidi: string;

const exportYaml = async (token: string) => {
  const res = await fetch(`${srv.url}/api/v1/config/export`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
const post = <T = any>(path: string, token: string, yaml: string, type = 'text/yaml'): Promise<HttpResponse<T>> => // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  http<T>('POST', `${srv.url}/api/v1/config/${path}`, { token, rawBody: yaml, headers: { 'content-type': type } });

/** The file with one field of one entity changed, as a person edits it: the first `field: ...` line after the entity's id. */
function edit(text: string, id: string, field: string, value: string): string {
  const at = text.indexOf(`  - id: ${id}\n`);
  if (at < 0) throw new Error(`no ${id} in the file`);
  const line = new RegExp(`^(\\s+${field}:).*$`, 'm');
  const rest = text.slice(at);
  if (!line.test(rest)) throw new Error(`no ${field} in ${id}`);
  return text.slice(0, at) + rest.replace(line, `$1 ${value}`);
}
const lineNumberOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  [mallory, bob, heidi] = [await srv.login('mallory'), await srv.login('bob'), await srv.login('heidi')];
});
afterAll(() => srv?.close());

describe('policy as code over REST', () => {
  it('exports YAML with a header; importing it back changes nothing and the next export is byte-identical', async () => {
    const first = await exportYaml(mallory);
    expect(first.status).toBe(200);
    expect(first.type).toBe('text/yaml; charset=utf-8');
    expect(first.text.split('\n').slice(0, 4)).toEqual([
      '# JIT access console configuration: access policies, resources and access profiles.',
      `# Server: ${srv.url}`,
      expect.stringMatching(/^# As of: \d{4}-\d\d-\d\dT[\d:.]+Z \(the newest change to any of them\)$/),
      '# Format: 1',
    ]);
    expect(first.text).not.toMatch(/changedBy|updatedAt|clientSecret|tenantId/i);
    const diff = await post('diff', mallory, first.text);
    expect(diff.status, diff.text).toBe(200);
    expect(diff.body).toMatchObject({ summary: 'nothing changed', outcome: { status: 'unchanged' }, diff: { added: [], changed: [], removed: [] } });
    const imported = await post('import', mallory, first.text);
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body).toMatchObject({ outcome: 'unchanged' });
    expect((await exportYaml(mallory)).text).toBe(first.text);
  });

  it('only policy admins and admins diff and import; auditors may export; a requester may do none of it', async () => {
    const file = (await exportYaml(srv.adminToken)).text;
    expect((await exportYaml(heidi)).status).toBe(200);
    expect((await exportYaml(bob)).status).toBe(403);
    for (const path of ['diff', 'import']) {
      expect((await post(path, bob, file)).status).toBe(403);
      expect((await post(path, heidi, file)).status).toBe(403);
    }
  });

  it('a tightening edit: the diff names the field, the import applies it at once, audited with changedBy', async () => {
    const file = edit((await exportYaml(mallory)).text, 'pol-two-step', 'maxDurationMinutes', '120');
    const diff = await post('diff', mallory, file);
    expect(diff.body).toMatchObject({ summary: '1 changed', outcome: { status: 'apply' }, widenings: [] });
    expect(diff.body.diff.changed).toEqual([{ kind: 'policy', id: 'pol-two-step', name: 'Owner and security', fields: [{ path: 'maxDurationMinutes', before: 240, after: 120 }] }]);
    const seq = srv.store.auditHead().seq;
    const imported = await post('import', mallory, file);
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body).toMatchObject({ outcome: 'applied', summary: '1 changed', result: { type: 'config.import', actorId: 'u-mallory', status: 'applied', subjectIds: ['pol-two-step'] } });
    const policy = srv.store.get('policies', 'pol-two-step');
    expect(policy?.maxDurationMinutes).toBe(120);
    expect(policy?.changedBy[0]?.userId).toBe('u-mallory');
    const events = [...srv.store.auditEvents(seq + 1)].filter((e) => e.type === 'policy.changed');
    expect(events).toEqual([expect.objectContaining({ actorId: 'u-mallory', subjectId: 'pol-two-step', data: expect.objectContaining({ commandId: imported.body.result.id, imported: true }) })]);
    // The next export reads back as the file imported (its header's time moves on).
    expect((await exportYaml(mallory)).text.split('\n').slice(4)).toEqual(file.split('\n').slice(4));
  });

  it('a widening edit becomes one proposal; another policy admin applies it', async () => {
    const exported = (await exportYaml(mallory)).text;
    const file = edit(edit(exported, 'pol-two-step', 'maxDurationMinutes', '480'), 'pol-two-step-break-glass', 'requireMfa', 'true');
    const diff = await post('diff', mallory, file);
    expect(diff.body.outcome).toEqual({ status: 'propose' });
    expect(diff.body.widenings).toEqual([{ kind: 'policy', id: 'pol-two-step', name: 'Owner and security', widenings: ['maximum duration 120 → 480 minutes'] }]);
    expect(diff.body.effect.resourceIds).toContain('res-entra-user-admin');
    const imported = await post('import', mallory, file);
    expect(imported.status, imported.text).toBe(202);
    expect(imported.body).toMatchObject({ outcome: 'proposed', proposalId: expect.stringMatching(/^prop-/) });
    expect(srv.store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(120);
    expect(srv.store.get('proposals', imported.body.proposalId)?.changes.map((c) => c.after.id)).toEqual(['pol-two-step', 'pol-two-step-break-glass']);
    const approved = await http('POST', `${srv.url}/api/v1/commands`, { token: srv.adminToken, body: { type: 'proposal.approve', payload: { proposalId: imported.body.proposalId, reason: 'reviewed the diff' } } });
    expect(approved.status, approved.text).toBe(200);
    expect(srv.store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(480);
    expect(srv.store.get('policies', 'pol-two-step-break-glass')?.requireMfa).toBe(true);
    expect((await exportYaml(mallory)).text.split('\n').slice(4)).toEqual(file.split('\n').slice(4));
  });

  it('a widening of the importer’s own access is refused, with the reason', async () => {
    // Mallory approves, and the Approvers profile makes her eligible for Global Reader under pol-single-approver.
    const file = edit((await exportYaml(mallory)).text, 'pol-single-approver', 'maxDurationMinutes', '1440');
    const diff = await post('diff', mallory, file);
    expect(diff.body.outcome).toMatchObject({ status: 'refused', code: 'self_approval_forbidden' });
    const imported = await post('import', mallory, file);
    expect(imported.status).toBe(403);
    expect(imported.body.error).toMatchObject({ code: 'self_approval_forbidden', message: expect.stringMatching(/^this import widens your own access/) });
    expect(srv.store.get('policies', 'pol-single-approver')?.maxDurationMinutes).toBe(480);
  });

  it('bad YAML, unknown fields and names of nothing are refused naming the line; other content types too', async () => {
    const exported = (await exportYaml(mallory)).text;
    const broken = exported.replace('\nresources:\n', '\nresources:\n  - [\n');
    const yamlError = await post('diff', mallory, broken);
    expect(yamlError.status).toBe(400);
    expect(yamlError.body.error.message).toMatch(/^\(file\): is not valid YAML: .* \(line \d+\)/);
    const misspelt = exported.replace('requireTicket:', 'requireticket:');
    const unknown = await post('import', mallory, misspelt);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual({ code: 'invalid_input', message: `policies[pol-auto-low].requireticket: is not a known field (line ${lineNumberOf(misspelt, 'requireticket')})`, field: 'policies[pol-auto-low].requireticket' });
    const ghost = edit(exported, 'res-entra-user-admin', 'ownerId', 'u-nobody');
    const missing = await post('import', mallory, ghost);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(`resources[res-entra-user-admin].ownerId: user u-nobody does not exist (line ${lineNumberOf(ghost, 'u-nobody')})`);
    expect((await post('diff', mallory, JSON.stringify({ format: 1 }), 'application/json')).status).toBe(415);
    expect((await post('diff', mallory, '  \n')).status).toBe(400);
    expect((await post('diff', mallory, `format: 1\nx: ${'['.repeat(50_000)}`)).body.error.message).toBe('(file): nests [ ] or { } deeper than 32 levels (line 2)');
  });

  it('leaving things out needs ?prune=1 (archive, disable); an import against a changed configuration is stale', async () => {
    const exported = (await exportYaml(mallory)).text;
    const start = exported.indexOf('  - id: res-manual-erp-payments\n');
    const end = exported.indexOf('\n\n', start);
    const without = exported.slice(0, start) + exported.slice(end + 2);
    const refused = await post('import', mallory, without);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/^the file leaves out resource res-manual-erp-payments: left out of the file: import with --prune/);
    const diff = await post('diff?prune=1', mallory, without);
    expect(diff.body.diff.removed).toEqual([{ kind: 'resource', id: 'res-manual-erp-payments', name: 'ERP payment approver', becomes: 'archived' }]);
    const pruned = await post(`import?prune=1&base=${diff.body.baseHash}`, mallory, without);
    expect(pruned.status, pruned.text).toBe(200);
    expect(srv.store.get('resources', 'res-manual-erp-payments')?.archived).toBe(true);
    // The diff was computed before the prune: importing against it now is stale.
    const stale = await post(`import?base=${diff.body.baseHash}`, mallory, edit(exported, 'pol-auto-low', 'maxDurationMinutes', '60'));
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale');
  });
});
