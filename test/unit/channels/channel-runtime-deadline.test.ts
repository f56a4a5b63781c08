/**
 * The invocation's deadline reaches every broadcast a push makes: the built-in one and a
 * module's `socket.broadcast`, so both hand what they cannot post in time to workers.
 */
import { describe, expect, it } from 'vitest';
import { ChannelRuntime } from '../../../lambdas/core/channels/channel-runtime.js';
import type { ChannelKv } from '../../../lambdas/core/channels/definition.js';
import { ChannelRegistry, installChannel } from '../../../lambdas/core/channels/registry.js';
import { recordingLogger } from '../../support/topicast-harness.js';

function runtimeRecordingBroadcasts() {
  const broadcasts: { topic: string; event: string; exclude: string | null; deadlineMs: number | undefined }[] = [];
  const module = installChannel(
    {
      topic: 'mod:*',
      async handleIn(event, payload, socket) {
        await socket.broadcastFrom(event, payload);
        return { reply: { ok: {} } };
      },
    },
    'test module',
  );
  const runtime = new ChannelRuntime({
    registry: new ChannelRegistry([module]),
    kv: {} as ChannelKv,
    logger: recordingLogger(),
    broadcast: async (topic, message, exclude, deadlineMs) => void broadcasts.push({ topic, event: message.event, exclude, deadlineMs }),
    timeoutMs: 1000,
    maxAssignsBytes: 4096,
  });
  return { runtime, broadcasts };
}

describe('channel runtime deadlines', () => {
  it('passes the deadline to the built-in broadcast and to a module broadcast', async () => {
    // Prepare
    const { runtime, broadcasts } = runtimeRecordingBroadcasts();
    const deadlineMs = Date.now() + 5000;

    // Act
    await runtime.handleIn({ connectionId: 'c1', topic: 'room:1', event: 'shout', payload: {}, self: false, state: null, deadlineMs });
    await runtime.handleIn({ connectionId: 'c1', topic: 'mod:1', event: 'shout', payload: {}, self: true, state: null, deadlineMs });
    await runtime.handleIn({ connectionId: 'c1', topic: 'room:2', event: 'shout', payload: {}, self: true, state: null });

    // Assess
    expect(broadcasts).toEqual([
      { topic: 'room:1', event: 'shout', exclude: 'c1', deadlineMs },
      { topic: 'mod:1', event: 'shout', exclude: 'c1', deadlineMs },
      { topic: 'room:2', event: 'shout', exclude: null, deadlineMs: undefined },
    ]);
  });
});
