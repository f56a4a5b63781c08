/** The `topicast` bin as package.json declares it: the file npm links into node_modules/.bin. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };

export const packageBin = `${repoRoot}${manifest.bin.topicast}`;
