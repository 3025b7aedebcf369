// End-to-end test of the page: serves web_demo/ and a fixtures folder on 127.0.0.1, drives
// Debian's Chromium with playwright-core, upscales the fixture image with each fixture
// model and compares the pixels with Python LiteRT's (within 1/255). Saves a screenshot
// per case. Case `builtin` opens the page bare, as a first visitor does: the page must
// upscale its sample image with its first built-in model by itself; the pixels are saved
// as builtin.page.bin for check_builtin.py (PSNR against the Python path).
// Prints "e2e: N passed, N failed".
// Usage: node e2e.mjs --fixtures build/fixtures [--out e2e-output] [--chromium /usr/bin/chromium]
import {mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, statSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {dirname, extname, join, normalize, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const fixtures = resolve(args.fixtures ?? join(here, 'build', 'fixtures'));
const outDir = resolve(args.out ?? join(here, 'e2e-output'));
const chromiumPath = args.chromium ?? '/usr/bin/chromium';
const TIMEOUT_MS = 120000;

const MIME = {'.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.tflite': 'application/octet-stream', '.bin': 'application/octet-stream'};

/** Static files: /fixtures/* from the fixtures folder, everything else from web_demo/. */
function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const [root, rel] = path.startsWith('/fixtures/') ? [fixtures, path.slice(10)] : [here, path.slice(1) || 'index.html'];
    const file = normalize(join(root, rel));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
                        'Cache-Control': 'no-store'});
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

function compare(actualRgba, expectedRgb) {
  let maxDiff = 0;
  let over = 0;
  for (let i = 0; i < expectedRgb.length / 3; i++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(actualRgba[4 * i + c] - expectedRgb[3 * i + c]);
      maxDiff = Math.max(maxDiff, d);
      if (d > 1) over++;
    }
  }
  return {maxDiff, over};
}

async function main() {
  if (!existsSync(join(here, 'vendor', 'litertjs', 'wasm'))) {
    console.error('vendor/litertjs missing: run `npm run copy-wasm` first');
    process.exit(2);
  }
  const {cases} = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8'));
  mkdirSync(outDir, {recursive: true});
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'keras-sr-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1100, height: 700},
  });
  let passed = 0;
  let failed = 0;
  try {
    for (const c of cases) {
      const page = await context.newPage();
      const logs = [];
      page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      const query = c.builtin ? '' : '?' + new URLSearchParams({model: `/fixtures/${c.model}`,
        sidecar: `/fixtures/${c.sidecar}`, image: `/fixtures/${c.image}`});
      try {
        await page.goto(`${base}/index.html${query}`);
        await page.waitForFunction(() => window.__sr && window.__sr.done, null, {timeout: TIMEOUT_MS});
        const state = await page.evaluate(() => ({
          error: window.__sr.error, timeMs: window.__sr.timeMs, info: window.__sr.info,
          builtin: window.__sr.builtin,
          width: window.__sr.result?.width, height: window.__sr.result?.height,
          rgba: window.__sr.result ? Array.from(window.__sr.result.rgba) : null}));
        await page.screenshot({path: join(outDir, `${c.name}.png`), fullPage: true});
        if (state.error) throw new Error(`page error: ${state.error}`);
        if (state.width !== c.width || state.height !== c.height) {
          throw new Error(`output ${state.width}x${state.height}, expected ${c.width}x${c.height}`);
        }
        if (c.builtin) {
          if (state.builtin !== c.builtin) throw new Error(`page ran ${state.builtin}, expected ${c.builtin}`);
          const rgb = new Uint8Array(c.width * c.height * 3);
          for (let i = 0; i < c.width * c.height; i++) {
            for (let k = 0; k < 3; k++) rgb[3 * i + k] = state.rgba[4 * i + k];
          }
          writeFileSync(join(outDir, 'builtin.page.bin'), rgb);
          console.log(`ok   ${c.name}: first open ran ${c.builtin}, ${c.width}x${c.height}, ` +
                      `${state.timeMs.toFixed(1)} ms in the page (PSNR: check_builtin.py)`);
          passed++;
          continue;
        }
        if (state.info.tile !== c.tile) throw new Error(`page tile ${state.info.tile}, expected ${c.tile}`);
        const expected = readFileSync(join(fixtures, c.expected));
        const {maxDiff, over} = compare(state.rgba, expected);
        if (over > 0) throw new Error(`${over} values differ by more than 1/255 (max ${maxDiff}/255)`);
        console.log(`ok   ${c.name}: ${c.width}x${c.height}, ${c.io} IO, max diff ${maxDiff}/255, ` +
                    `${state.timeMs.toFixed(1)} ms in the page`);
        passed++;
      } catch (error) {
        console.log(`FAIL ${c.name}: ${error.message}\n  ${logs.slice(-10).join('\n  ')}`);
        failed++;
      } finally {
        await page.close();
      }
    }
  } finally {
    await context.close();
    server.close();
    rmSync(userDataDir, {recursive: true, force: true});
  }
  console.log(`screenshots in ${outDir}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
});
