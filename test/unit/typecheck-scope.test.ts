/**
 * `npm test`'s typecheck covers the project's folders, not whatever a user saves at the
 * repository root: the README's room.ts saved there (a scratch file with an unused
 * parameter, TS6133 under this project's strict settings) must not turn the run red.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the typecheck scope', () => {
  it('leaves a scratch .ts file at the repository root out, and keeps vitest.config.ts in', () => {
    const scratch = join(repoRoot, `scratch-${process.pid}.ts`);
    writeFileSync(scratch, 'export function unused(topic: string, params: object) { return params; }\n');
    try {
      const config = JSON.parse(execFileSync(process.execPath, [tsc, '--showConfig', '-p', join(repoRoot, 'tsconfig.json')], { encoding: 'utf8' })) as { files: string[] };
      expect(config.files).not.toContain(`./scratch-${process.pid}.ts`);
      expect(config.files).toContain('./vitest.config.ts');
      expect(config.files).toContain('./local-runtime/runtime.ts');
    } finally {
      rmSync(scratch, { force: true });
    }
  });
});
