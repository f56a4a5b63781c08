// One Lambda execution environment: a process of its own (module state and environment
// variables of its own), loading the function's handler once and running one invocation at
// a time, as the Node.js runtime does. The parent sends {type:'invoke'} messages over IPC
// and gets {type:'result'} back. Plain JavaScript: it runs under plain node, as the asset does.
import { register } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { TOPICAST_RUNTIME_SDK_PARENT: sdkParent, LAMBDA_TASK_ROOT: taskRoot, _HANDLER: handlerSpec } = process.env;
delete process.env.TOPICAST_RUNTIME_SDK_PARENT;
if (sdkParent) register('./sdk-resolve-hook.mjs', import.meta.url, { data: { fallbackParent: sdkParent } });

function send(message) {
  process.send?.(message);
}

function errorShape(error) {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, stackTrace: (error.stack ?? '').split('\n').slice(1).map((line) => line.trim()) };
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}

async function loadHandler() {
  // `dir/file.export`: the module is dir/file with .js, .mjs or .cjs, as the runtime looks it up.
  const dot = handlerSpec.lastIndexOf('.');
  const modulePath = handlerSpec.slice(0, dot);
  const exportPath = handlerSpec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, modulePath + ext)).find((candidate) => existsSync(candidate));
  if (!file) throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
  const loaded = await import(pathToFileURL(file).href);
  const handler = loaded[exportPath] ?? loaded.default?.[exportPath];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${modulePath}.${exportPath} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  return handler;
}

const handlerReady = loadHandler();
// An init error is reported with the first invocation, as Lambda reports it.
handlerReady.catch(() => undefined);

process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  const { id, event, context: facts } = message;
  let handler;
  try {
    handler = await handlerReady;
  } catch (error) {
    send({ type: 'result', id, ok: false, error: errorShape(error) });
    return;
  }
  const context = {
    ...facts,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, facts.deadlineMs - Date.now()),
    done: () => undefined,
    succeed: () => undefined,
    fail: () => undefined,
  };
  try {
    const result = await new Promise((resolve, reject) => {
      // Callback-style handlers (three parameters) answer through the callback.
      const callback = (error, value) => (error ? reject(error) : resolve(value));
      const returned = handler(event, context, callback);
      if (handler.length < 3 || (returned && typeof returned.then === 'function')) Promise.resolve(returned).then(resolve, reject);
    });
    send({ type: 'result', id, ok: true, value: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (error) {
    console.error(`${new Date().toISOString()}\t${facts.awsRequestId}\tERROR\tInvoke Error \t${JSON.stringify(errorShape(error))}`);
    send({ type: 'result', id, ok: false, error: errorShape(error) });
  }
});

// The runtime that started this environment is gone (it crashed, or was killed with SIGKILL
// and could not end its environments): nobody can invoke it any more, and a handler's open
// sockets (an SDK client's keep-alive pool) must not keep it running as an orphan.
process.on('disconnect', () => process.exit(0));

// Ready once the handler is loaded (or failed to): Lambda's init phase is not part of the
// first invocation's timeout.
handlerReady.then(() => send({ type: 'ready' }), () => send({ type: 'ready' }));
