import { Broadcaster } from '../core/use-cases/broadcaster.js';
import { authorizeJoin as customAuthorizeJoin } from '../custom/authorize.js';
export function assembleMessaging(parts) {
    const broadcaster = new Broadcaster({
        store: parts.store,
        sender: parts.sender,
        config: parts.config,
        logger: parts.logger,
        dispatcher: parts.dispatcher,
    });
    // The user's hook module is imported here, the one place both the Lambda functions and
    // the local gateway assemble their dependencies, so it runs the same in both.
    return { ...parts, authorizeHook: parts.authorizeHook ?? customAuthorizeJoin, broadcaster };
}
/** Builds once, on first use; in Lambda, at module load so the work lands in the init phase. */
export function once(factory, eager) {
    let value = eager ? { current: factory() } : undefined;
    return () => (value ??= { current: factory() }).current;
}
