/**
 * The installed channel modules, resolved most-specific pattern first, as Phoenix's
 * `channel "room:*", Mod` routes and Powertools' `RouteHandlerRegistry.resolve`: a literal
 * topic beats `room:*`, which beats `*`. Specificity is the number of literal characters;
 * a tie goes to fewer wildcards, then to the module installed first.
 */
import { matchesPattern, mostSpecificFirst } from '../topic-patterns.js';
import type { ChannelDefinition } from './definition.js';

export interface InstalledChannel {
  /** For logs: the file it came from, or the module's own `name`. */
  readonly name: string;
  readonly definition: ChannelDefinition;
}

const CALLBACKS = ['join', 'handleIn', 'leave'] as const;

export class ChannelRegistry {
  private readonly ordered: readonly InstalledChannel[];

  /** Throws one error listing every problem: a module that cannot work must fail at load. */
  public constructor(channels: readonly InstalledChannel[]) {
    const problems = channels.flatMap(problemsOf);
    const seen = new Map<string, string>();
    for (const { name, definition } of channels) {
      if (typeof definition?.topic !== 'string') continue;
      const other = seen.get(definition.topic);
      if (other !== undefined) problems.push(`${name} and ${other} both define topic ${definition.topic}`);
      seen.set(definition.topic, name);
    }
    if (problems.length > 0) throw new Error(`invalid channel modules:\n- ${problems.join('\n- ')}`);
    // Most literal characters first (room:lobby over room:*), then fewer wildcards, then install order.
    this.ordered = mostSpecificFirst(channels, (channel) => channel.definition.topic);
  }

  public resolve(topic: string): InstalledChannel | undefined {
    return this.ordered.find(({ definition }) => matchesPattern(definition.topic, topic));
  }

  public get size(): number {
    return this.ordered.length;
  }
}

/** Names a loaded module: its own `name`, else where it came from. */
export function installChannel(definition: ChannelDefinition, source: string): InstalledChannel {
  return { name: typeof definition?.name === 'string' && definition.name.length > 0 ? definition.name : source, definition };
}

function problemsOf({ name, definition }: InstalledChannel): string[] {
  if (typeof definition !== 'object' || definition === null) return [`${name} must export a channel definition (default export), got ${typeof definition}`];
  const problems: string[] = [];
  if (typeof definition.topic !== 'string' || definition.topic.length === 0) problems.push(`${name}: topic must be a non-empty topic pattern`);
  for (const callback of CALLBACKS) {
    const value: unknown = definition[callback];
    if (value !== undefined && typeof value !== 'function') problems.push(`${name}: ${callback} must be a function`);
  }
  return problems;
}
