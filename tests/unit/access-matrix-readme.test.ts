import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessMatrixMarkdown } from '../../core/index.js';

describe('README', () => {
  it('README shows the table as the code has it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = /<!-- access-matrix:start -->\n([\s\S]*?)\n<!-- access-matrix:end -->/.exec(readme);
    expect(section?.[1], 'README lacks the access-matrix section; paste accessMatrixMarkdown() between the markers').toBe(accessMatrixMarkdown());
  });

});
