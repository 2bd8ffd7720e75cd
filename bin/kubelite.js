#!/usr/bin/env node
// Entry point; the TypeScript sources are compiled to dist/ by `npm run build`.
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('kubelite is not built yet: run `npm run build` in the kubelite folder first');
  } else {
    console.error(err);
  }
  process.exit(1);
});
