#!/usr/bin/env node
// The `topicast` bin. The CLI is TypeScript (cli/main.ts); tsx, a dependency of topicast,
// compiles it on load, so `npx topicast ...` works from a checkout without a build step.
import { tsImport } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await tsImport('./main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
