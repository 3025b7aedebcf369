// End-to-end test of the MOS study page (keras-sr mos make): scripted raters click
// through every trial of a study in headless Chromium with fixed answers, and each
// rater's ratings JSON is captured from the page's download. The first rater opens the
// page over http (127.0.0.1), the second straight from disk (file://), as raters may.
// Answers come from a JSON file {raters: [{name, seed, acr: {item: score}} or
// {name, seed, prefer: {item: rank}}]}: in pairs mode the side whose item ranks higher
// is chosen. Prints one line per rater and "mos-e2e: N passed, N failed".
// Usage: node mos_e2e.mjs --page STUDY/page --answers answers.json --out DIR
//        [--chromium /usr/bin/chromium]
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {extname, join, normalize, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {chromium} from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const pageDir = resolve(args.page);
const outDir = resolve(args.out);
const chromiumPath = args.chromium ?? '/usr/bin/chromium';
const MIME = {'.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
  '.png': 'image/png', '.json': 'application/json'};

function serve() {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).slice(1) || 'index.html';
    const file = normalize(join(pageDir, rel));
    if (!file.startsWith(pageDir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {'Content-Type': MIME[extname(file)] ?? 'application/octet-stream'});
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function rate(context, url, rater) {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(`${url}?seed=${rater.seed}`);
    await page.fill('#rater', rater.name);
    await page.click('#begin');
    const mode = await page.evaluate(() => window.MOS_STUDY.mode);
    const total = await page.evaluate(() => window.__mos.trials.length);
    const seen = [];
    for (let i = 0; i < total; i++) {
      await page.waitForFunction((n) => window.__mos.index === n && window.__mos.current, i);
      const trial = await page.evaluate(() => window.__mos.current);
      seen.push(trial);
      let button;
      if (mode === 'acr') {
        button = `[data-score="${rater.acr[trial.item]}"]`;
      } else {
        const left = rater.prefer[trial.left];
        const right = rater.prefer[trial.right];
        button = left > right ? '#chooseLeft' : '#chooseRight';
      }
      // The answers stay disabled until the images have loaded; click waits for that.
      await page.click(button, {timeout: 30000});
    }
    await page.waitForFunction(() => window.__mos.done);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const saved = join(outDir, `ratings_${rater.name}.json`);
    await download.saveAs(saved);
    const exposed = await page.evaluate(() => window.__mos.result);
    const fromFile = JSON.parse(readFileSync(saved, 'utf8'));
    if (JSON.stringify(fromFile) !== JSON.stringify(exposed)) {
      throw new Error('the downloaded file differs from the page state');
    }
    const shown = await page.evaluate(() => document.body.innerText);
    writeFileSync(join(outDir, `trials_${rater.name}.json`), JSON.stringify(seen, null, 1));
    await page.screenshot({path: join(outDir, `done_${rater.name}.png`), fullPage: true});
    console.log(`ok   ${rater.name}: ${total} ${mode} trials over ${url.split(':')[0]}, ` +
                `saved ${download.suggestedFilename()}; ${shown.includes('Thank you') ? 'thanked' : 'no thanks'}`);
    return true;
  } catch (error) {
    console.log(`FAIL ${rater.name}: ${error.message}\n  ${logs.slice(-10).join('\n  ')}`);
    return false;
  } finally {
    await page.close();
  }
}

async function main() {
  const {raters} = JSON.parse(readFileSync(resolve(args.answers), 'utf8'));
  mkdirSync(outDir, {recursive: true});
  const server = await serve();
  const userDataDir = mkdtempSync(join(tmpdir(), 'keras-sr-mos-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true, acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1100, height: 800},
  });
  let passed = 0;
  let failed = 0;
  try {
    for (const [i, rater] of raters.entries()) {
      const url = i % 2 === 0 ? `http://127.0.0.1:${server.address().port}/index.html`
        : pathToFileURL(join(pageDir, 'index.html')).href;
      if (await rate(context, url, rater)) passed++; else failed++;
    }
  } finally {
    await context.close();
    server.close();
    rmSync(userDataDir, {recursive: true, force: true});
  }
  console.log(`mos-e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  console.log('mos-e2e: 0 passed, 1 failed');
  process.exit(1);
});
