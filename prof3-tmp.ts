const t0 = performance.now();
const lap = (label: string) => console.error(label, (performance.now() - t0).toFixed(0));
const { buildLocalApp } = await import('./local-runtime/assembly/local-app.ts');
const { readCloudAssembly } = await import('./local-runtime/assembly/cloud-assembly.ts');
const app = buildLocalApp(readCloudAssembly('/tmp/start/loc'));
const { buildLocalBundles } = await import('./local-runtime/runner/local-bundles.ts');
const b = await buildLocalBundles(app.functions, { log: console.error }); lap('bundles');
console.error(b.functions.map(f=>f.codeDir+' '+f.handler).slice(0,3));
await b.close(); lap('closed');
