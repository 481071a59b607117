import { describe, expect, it } from 'vitest';
import { AccessPolicy, AccessProfile } from '../schema/policy.js';
import { makeResource, FIXTURE_TIME } from '../test-fixtures.js';
import { diffConfig, fieldChanges } from './diff.js';
import { configHash, configOf, type ConfigState } from './document.js';
import { configToYaml, parseConfigYaml, problemText, withLine } from './yaml.js';

const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({
    id: 'pol-two',
    name: 'Two steps: manager then security',
    description: 'line one\nline two',
    maxDurationMinutes: 480,
    defaultDurationMinutes: 60,
    approvalSteps: [
      { name: 'Manager', mode: 'any', includeManager: true },
      { name: 'Security', mode: 'all', approverIds: ['u-carol', 'u-alice'] },
    ],
    updatedAt: FIXTURE_TIME,
    changedBy: [{ userId: 'u-mallory', at: FIXTURE_TIME }],
    ...over,
  });
const profile = (over: Partial<AccessProfile> = {}) =>
  AccessProfile.parse({ id: 'prof-eng', name: 'Engineering', resourceIds: ['res-1'], departments: ['Engineering'], updatedAt: FIXTURE_TIME, ...over });

const state = (over: Partial<ConfigState> = {}): ConfigState => ({
  // Out of order on purpose: the file sorts each kind by id.
  policies: [policy(), policy({ id: 'pol-auto', name: 'yes', autoApprove: true, approvalSteps: [], ticketSystem: 'custom', ticketPattern: 'OPS-\\d{4}' })],
  resources: [makeResource({ id: 'res-2', policyIds: ['pol-auto'] }), makeResource({ policyIds: ['pol-two'], target: { externalId: 'g-1', accessId: 'member' } })],
  profiles: [profile()],
  ...over,
});
const header = { server: 'https://jit.example', asOf: FIXTURE_TIME };

describe('the configuration file', () => {
  it('round-trips byte for byte: export, read back, export again', () => {
    const text = configToYaml(configOf(state()), header);
    const read = parseConfigYaml(text);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(configToYaml(read.value, header)).toBe(text);
    // Nor does the order entities were stored in matter.
    const shuffled = state();
    expect(configToYaml(configOf({ ...shuffled, policies: [...shuffled.policies].reverse(), resources: [...shuffled.resources].reverse() }), header)).toBe(text);
    expect(configHash(read.value)).toBe(configHash(configOf(state())));
    // Text a YAML 1.1 reader would take for a boolean stays text.
    expect(read.value.policies[0]?.name).toBe('yes');
  });

  it('has a header with the server, the time of the last change and the format, and none of the server-written fields', () => {
    const text = configToYaml(configOf(state()), header);
    expect(text.split('\n').slice(0, 4)).toEqual([
      '# JIT access console configuration: access policies, resources and access profiles.',
      '# Server: https://jit.example',
      `# As of: ${FIXTURE_TIME} (the newest change to any of them)`,
      '# Format: 1',
    ]);
    expect(text).toMatch(/^format: 1$/m);
    expect(text).not.toMatch(/changedBy|updatedAt|u-mallory/);
    // Kinds in order (policies, resources, profiles), each by id; one id per line, so an added approver is a one-line diff.
    expect(text.indexOf('id: pol-auto')).toBeLessThan(text.indexOf('id: pol-two'));
    expect(text.indexOf('id: pol-two')).toBeLessThan(text.indexOf('id: res-1'));
    expect(text.indexOf('id: res-2')).toBeLessThan(text.indexOf('id: prof-eng'));
    expect(text).toContain('        approverIds:\n          - u-carol\n          - u-alice\n');
  });

  it('refuses unknown and misspelt fields, naming the entity, the field path and the line', () => {
    const text = configToYaml(configOf(state()), header).replace('requireTicket: false', 'requireticket: false').replace('mode: all', 'mode: every');
    const read = parseConfigYaml(text);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const lines = text.split('\n');
    const lineOf = (needle: string, after = 0) => lines.findIndex((l, i) => i >= after && l.includes(needle)) + 1;
    expect(read.problems.map(problemText)).toEqual([
      `policies[pol-auto].requireticket: is not a known field (line ${lineOf('requireticket')})`,
      `policies[pol-two].approvalSteps[1].mode: Invalid option: expected one of "any"|"all" (line ${lineOf('mode: every')})`,
    ]);
  });

  it('names the line of YAML it cannot read, and refuses an empty file, a second entity with one id, another format', () => {
    const broken = parseConfigYaml('format: 1\npolicies: []\npolicies: []\n');
    expect(broken.ok || broken.problems[0]).toMatchObject({ path: '(file)', line: 3 });
    expect(broken.ok || broken.problems[0]?.message).toMatch(/^is not valid YAML: Map keys must be unique/);
    const unclosed = parseConfigYaml('format: 1\npolicies: [\nresources: []\n');
    expect(unclosed.ok || unclosed.problems[0]?.line).toBeGreaterThan(1);
    const empty = parseConfigYaml('');
    expect(empty.ok || empty.problems[0]?.message).toMatch(/^is empty/);
    const twice = configToYaml(configOf(state({ profiles: [profile(), profile({ name: 'Again' })] })), header);
    const dup = parseConfigYaml(twice);
    expect(dup.ok || dup.problems.map(problemText)).toEqual([`profiles[prof-eng]: is listed twice: each id names one entity (line ${twice.split('\n').lastIndexOf('  - id: prof-eng') + 1})`]);
    expect(parseConfigYaml('format: 2\npolicies: []\nresources: []\nprofiles: []\n')).toMatchObject({ ok: false, problems: [{ path: 'format', message: 'must be 1 (the only format this server reads)', line: 1 }] });
  });

  it('refuses nesting the YAML parser could not survive, before parsing it', () => {
    expect(parseConfigYaml(`format: 1\nx: ${'['.repeat(100_000)}`)).toMatchObject({ ok: false, problems: [{ message: 'nests [ ] or { } deeper than 32 levels', line: 2 }] });
    expect(parseConfigYaml(`format: 1\nx:\n${'- '.repeat(200_000)}x`)).toMatchObject({ ok: false, problems: [{ message: 'is indented or nested deeper than 256 columns', line: 3 }] });
    // Brackets in text are no nesting.
    const text = configToYaml(configOf(state({ policies: [policy({ description: `${'['.repeat(40)} it's "[[[[" #[` })] })), header);
    expect(parseConfigYaml(text).ok).toBe(true);
  });

  it('adds the line to a message the server names a file path in', () => {
    const text = configToYaml(configOf(state()), header);
    const line = text.split('\n').findIndex((l) => l.includes('ownerId')) + 1;
    expect(withLine(text, 'resources[res-1].ownerId: user u-owner does not exist')).toBe(`resources[res-1].ownerId: user u-owner does not exist (line ${line})`);
    expect(withLine(text, 'nothing to locate')).toBe('nothing to locate');
  });
});

describe('the diff against the server', () => {
  const current = configOf(state());

  it('names what is added, and each changed field: scalars before and after, lists with what is added and removed, steps by position', () => {
    const next = structuredClone(current);
    const two = next.policies.find((p) => p.id === 'pol-two');
    if (!two) throw new Error('fixture');
    two.maxDurationMinutes = 240;
    (two.approvalSteps[1] as { approverIds: string[] }).approverIds = ['u-carol', 'u-dave'];
    two.approvalSteps.push({ ...two.approvalSteps[0]!, name: 'Third' });
    next.profiles.push({ ...next.profiles[0]!, id: 'prof-new', name: 'New' });
    const diff = diffConfig(current, next, { prune: false });
    expect(diff.added).toEqual([{ kind: 'profile', id: 'prof-new', name: 'New' }]);
    expect(diff.changed).toEqual([
      {
        kind: 'policy',
        id: 'pol-two',
        name: 'Two steps: manager then security',
        fields: [
          { path: 'maxDurationMinutes', before: 480, after: 240 },
          { path: 'approvalSteps[1].approverIds', before: ['u-carol', 'u-alice'], after: ['u-carol', 'u-dave'], added: ['u-dave'], removed: ['u-alice'] },
          { path: 'approvalSteps[2]', after: two.approvalSteps[2] },
        ],
      },
    ]);
    expect(diff).toMatchObject({ removed: [], unchanged: 4 });
  });

  it('leaving things out: refused without prune; with prune a resource is archived and a profile disabled; a policy is never removed', () => {
    const without = { ...current, resources: current.resources.filter((r) => r.id !== 'res-2'), profiles: [] };
    expect(diffConfig(current, without, { prune: false }).removed).toEqual([
      { kind: 'resource', id: 'res-2', name: 'Payroll DB admins', becomes: null, refused: expect.stringMatching(/^left out of the file: import with --prune to archive it/) },
      { kind: 'profile', id: 'prof-eng', name: 'Engineering', becomes: null, refused: expect.stringMatching(/--prune to disable it/) },
    ]);
    expect(diffConfig(current, without, { prune: true }).removed.map((r) => r.becomes)).toEqual(['archived', 'disabled']);
    const noPolicy = { ...current, policies: current.policies.filter((p) => p.id !== 'pol-auto') };
    expect(diffConfig(current, noPolicy, { prune: true }).removed).toEqual([expect.objectContaining({ kind: 'policy', id: 'pol-auto', becomes: null, refused: expect.stringMatching(/^access policies are not removed/) })]);
    // Already archived or disabled: leaving it out changes nothing.
    const inert = configOf(state({ resources: [makeResource({ policyIds: ['pol-two'], archived: true })], profiles: [profile({ enabled: false })] }));
    expect(diffConfig(inert, { ...inert, resources: [], profiles: [] }, { prune: false }).removed).toEqual([]);
  });

  it('compares fields absent from a stored document as their defaults', () => {
    const { escalateToGroupIds: _g, ...older } = policy().approvalSteps[0]!;
    const stored = configOf(state({ policies: [{ ...policy(), approvalSteps: [older as never, policy().approvalSteps[1]!] }] }));
    expect(fieldChanges(stored.policies[0], configOf(state()).policies.find((p) => p.id === 'pol-two'))).toEqual([]);
  });
});
