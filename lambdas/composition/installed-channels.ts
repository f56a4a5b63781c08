/**
 * The channel modules bundled into a deployed function. The construct generates an entry
 * per function that imports the modules and calls `installChannels` before it imports
 * the handler (ES modules evaluate in import order), so the handler's composition, built
 * at module load, finds them here. Nothing else writes this list; the local gateway
 * passes its `--channel` modules explicitly instead.
 */
import type { ChannelDefinition } from '../core/channels/definition.js';
import { installChannel, type InstalledChannel } from '../core/channels/registry.js';

let installed: readonly InstalledChannel[] = [];

export function installChannels(modules: readonly { readonly source: string; readonly definition: ChannelDefinition }[]): void {
  installed = modules.map(({ source, definition }) => installChannel(definition, source));
}

export function installedChannels(): readonly InstalledChannel[] {
  return installed;
}
