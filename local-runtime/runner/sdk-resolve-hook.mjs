// Module resolve hook of a function's execution environment: the Lambda Node.js runtime
// provides AWS SDK v3 (@aws-sdk/*, @smithy/* and what they import) to code that does not
// bundle it, so a bare import the function's own folder cannot resolve is retried from the
// SDK folder the runtime provides (topicast's own node_modules).
let fallbackParent;

export function initialize(data) {
  fallbackParent = data.fallbackParent;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !/^@(aws-sdk|smithy|aws-crypto)\//.test(specifier)) throw error;
    return nextResolve(specifier, { ...context, parentURL: fallbackParent });
  }
}
