import { describe, expect, it } from 'vitest';
import { ALL_ROLES, COMMAND_MATRIX, COMMAND_ROLES } from './access-matrix.js';

describe('the authorisation matrix', () => {
  it('a command is sendable by exactly the roles of its cells, and no cell names a role twice', () => {
    for (const [type, access] of Object.entries(COMMAND_MATRIX)) {
      const fromCells = new Set(Object.values(access.cells).flat());
      expect([...COMMAND_ROLES[type as keyof typeof COMMAND_ROLES]].sort()).toEqual([...fromCells].sort());
      for (const roles of Object.values(access.cells)) expect(new Set(roles).size).toBe(roles.length);
      for (const roles of Object.values(access.cells)) for (const role of roles) expect(ALL_ROLES).toContain(role);
    }
  });
});
