/**
 * `npm start -- --channel FILE` refuses to start with a module that cannot work, naming the
 * file, as the hand-wired gateway did: each file is imported here (tsx compiles TypeScript)
 * and checked as the functions' registry will check it, before the app is synthesized and
 * bundled (a bundling error names esbuild's view of the file, once per function).
 */
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChannelDefinition } from '../lambdas/core/channels/definition.js';
import { ChannelRegistry, installChannel } from '../lambdas/core/channels/registry.js';

export async function checkChannelModules(paths: readonly string[], cwd = process.cwd()): Promise<void> {
  const modules = await Promise.all(
    paths.map(async (path) => {
      const file = resolve(cwd, path);
      let loaded: { default?: unknown };
      try {
        loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
      } catch (error) {
        throw new Error(`channel module ${path} could not be loaded: ${(error as Error).message}`, { cause: error });
      }
      if (loaded.default === undefined) throw new Error(`channel module ${path} has no default export (export default defineChannel({ topic, ... }))`);
      return installChannel(loaded.default as ChannelDefinition, relative(cwd, file) || file);
    }),
  );
  // Together: shapes, and two modules on one pattern.
  new ChannelRegistry(modules);
}
