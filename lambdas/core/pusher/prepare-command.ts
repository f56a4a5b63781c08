/**
 * The step a Pusher frame's command takes before the shared use cases run it: refused when
 * no Pusher app is configured, and a subscribe checked (and turned into the join it proves)
 * with the app secret. Everything after (join, leave, push, presence, channel modules,
 * history) is the one path every client ecosystem takes.
 */
import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { PUSHER_REASONS } from '../protocol/constants.js';
import type { Command } from '../protocol/messages.js';
import { presenceEnabledFor } from '../topic-settings.js';
import { pusherChannelKind, type PusherApp } from './app.js';
import { authorizePusherSubscription } from './subscription-auth.js';

/** The app, read once per execution environment (deployed, its secret comes from Secrets Manager). */
export type PusherAppSource = () => Promise<PusherApp>;

export interface PusherCommandDependencies {
  readonly config: Pick<TopicastConfig, 'presenceDisabled'>;
  /** Absent when the Pusher protocol is off. */
  readonly pusherApp?: PusherAppSource | undefined;
}

export async function preparePusherCommand(deps: PusherCommandDependencies, connectionId: string, command: Command): Promise<Command> {
  if (command.format !== 'pusher') return command;
  if (!deps.pusherApp) throw new ProtocolError(PUSHER_REASONS.pusherOff, 'the Pusher protocol is off here: set TOPICAST_PUSHER_APP_ID, _KEY and _SECRET (locally) or the construct\'s `pusher` prop');
  if (command.kind !== 'join') return command;
  if (pusherChannelKind(command.topic) === 'presence' && !presenceEnabledFor(command.topic, deps.config)) {
    throw new ProtocolError(PUSHER_REASONS.unsupported, `presence is off for ${command.topic} in this deployment's config, so it cannot be a Pusher presence channel`);
  }
  return authorizePusherSubscription(await deps.pusherApp(), connectionId, command);
}
