// Copies LiteRT.js (ES module + its wasm runtime) from node_modules into vendor/ so the
// page serves them itself: no CDN. Run after `npm ci`: `npm run copy-wasm`.
import {copyFileSync, existsSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(root, 'node_modules', '@litertjs');
const vendor = join(root, 'vendor', 'litertjs');
const files = [
  ['core/dist/index.js', 'core/index.js'],
  ['wasm-utils/dist/index.js', 'wasm-utils/index.js'],
  // relaxed-SIMD build (current Chrome/Edge/Firefox) and the compatible fallback;
  // the threaded and JSPI builds are not used by this page.
  ['core/wasm/litert_wasm_internal.js', 'wasm/litert_wasm_internal.js'],
  ['core/wasm/litert_wasm_internal.wasm', 'wasm/litert_wasm_internal.wasm'],
  ['core/wasm/litert_wasm_compat_internal.js', 'wasm/litert_wasm_compat_internal.js'],
  ['core/wasm/litert_wasm_compat_internal.wasm', 'wasm/litert_wasm_compat_internal.wasm'],
];
for (const [from, to] of files) {
  const src = join(modules, from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run \`npm ci\` in web_demo/ first`);
    process.exit(1);
  }
  mkdirSync(dirname(join(vendor, to)), {recursive: true});
  copyFileSync(src, join(vendor, to));
}
console.log(`copied ${files.length} LiteRT.js files to ${vendor}`);
