#!/usr/bin/env node
// The `topicast` bin. In a checkout, tsx (a dependency of topicast) compiles cli/main.ts
// on load; the installed package has no TypeScript sources and runs its build (dist/).
import { existsSync } from 'node:fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = existsSync(new URL('./main.ts', import.meta.url))
  ? await (await import('tsx/esm/api')).tsImport('./main.ts', import.meta.url)
  : await import(new URL('../dist/cli/main.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
