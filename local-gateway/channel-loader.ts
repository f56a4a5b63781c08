/**
 * Loads `--channel` files for the local gateway: the same files the construct bundles.
 * Each is imported as it is (tsx compiles TypeScript), and its default export is the
 * channel; it needs nothing from topicast, so a file outside the repository works.
 */
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChannelDefinition } from '../lambdas/core/channels/definition.js';
import { ChannelRegistry, installChannel, type InstalledChannel } from '../lambdas/core/channels/registry.js';

export async function loadChannelModules(paths: readonly string[], cwd = process.cwd()): Promise<InstalledChannel[]> {
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
  // Validates them together (shapes, two modules on one pattern) before the gateway starts.
  new ChannelRegistry(modules);
  return modules;
}
