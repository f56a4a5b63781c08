/** Which module handles a topic: the most specific pattern, whatever the install order. */
import { describe, expect, it } from 'vitest';
import type { ChannelDefinition } from '../../../lambdas/core/channels/definition.js';
import { ChannelRegistry, installChannel } from '../../../lambdas/core/channels/registry.js';

const channel = (topic: string, source = topic): ReturnType<typeof installChannel> => installChannel({ topic }, source);

describe('channel registry', () => {
  it('resolves the most specific pattern first: literal, then longer literal text, then fewer wildcards', () => {
    // Prepare
    const registry = new ChannelRegistry([channel('*'), channel('room:*'), channel('room:lobby'), channel('room:*:admin'), channel('room:*:*')]);

    // Act & Assess
    expect(registry.resolve('room:lobby')?.definition.topic).toBe('room:lobby');
    expect(registry.resolve('room:42')?.definition.topic).toBe('room:*');
    expect(registry.resolve('room:42:admin')?.definition.topic).toBe('room:*:admin');
    expect(registry.resolve('room:42:x')?.definition.topic).toBe('room:*:*');
    expect(registry.resolve('user:ann')?.definition.topic).toBe('*');
    expect(registry.size).toBe(5);
  });

  it('resolves nothing when no pattern matches (the built-in behaviour applies)', () => {
    // Act & Assess
    expect(new ChannelRegistry([channel('room:*')]).resolve('lobby')).toBeUndefined();
    expect(new ChannelRegistry([]).resolve('room:1')).toBeUndefined();
  });

  it('names a module by its own name, else by its source file', () => {
    // Act & Assess
    expect(installChannel({ topic: 'a:*', name: 'chat' }, 'a.ts').name).toBe('chat');
    expect(installChannel({ topic: 'a:*' }, 'a.ts').name).toBe('a.ts');
  });

  it('refuses, all problems at once, modules that cannot work', () => {
    // Prepare
    const broken = [
      installChannel(undefined as unknown as ChannelDefinition, 'empty.ts'),
      installChannel({ topic: '' }, 'no-topic.ts'),
      installChannel({ topic: 'x:*', join: 'yes' } as unknown as ChannelDefinition, 'bad-join.ts'),
      channel('room:*', 'one.ts'),
      channel('room:*', 'two.ts'),
    ];

    // Act & Assess
    expect(() => new ChannelRegistry(broken)).toThrow(
      [
        'invalid channel modules:',
        '- empty.ts must export a channel definition (default export), got undefined',
        '- no-topic.ts: topic must be a non-empty topic pattern',
        '- bad-join.ts: join must be a function',
        '- two.ts and one.ts both define topic room:*',
      ].join('\n'),
    );
  });
});
