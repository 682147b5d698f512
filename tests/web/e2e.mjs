// The page of `movierec serve` in Debian's chromium: search "heat", open it,
// see at least 5 loaded posters per model, rate 5 movies, see "For you"
// change, reload and find the ratings kept. Screenshots at 1280x800 and 390x844.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const dir = mkdtempSync(join(tmpdir(), 'movierec-e2e-'));
const t0 = Date.now();
const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}`);
function check(cond, what) {
  if (!cond) throw new Error(`FAILED: ${what}`);
  log(`ok: ${what}`);
}

function startServer() {
  const p = spawn(args.bin, ['serve', '--data', `${args.shared}/data/ml-latest-small`, '--posters',
    `${args.shared}/data/posters`, '--models', 'item-knn,svd,ease', '--db', join(dir, 'r.sqlite'),
    '--host', '127.0.0.1', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ proc: p, url: m[1] });
    });
    p.on('exit', (code) => reject(new Error(`movierec serve exited with ${code}`)));
  });
}

async function ready(page) {
  await page.waitForSelector('body[data-ready="1"]', { timeout: 40000 });
}

// Waits until at least n posters of the row are decoded images.
async function loadedPosters(row, n) {
  await row.scrollIntoViewIfNeeded();
  await row.page().waitForFunction(([r, want]) => {
    const imgs = [...r.querySelectorAll('img.poster')];
    imgs.slice(0, want + 3).forEach((i) => { i.loading = 'eager'; });
    return imgs.filter((i) => i.complete && i.naturalWidth > 0).length >= want;
  }, [await row.elementHandle(), n], { timeout: 40000 });
  return row.evaluate((r) => [...r.querySelectorAll('img.poster')].filter((i) => i.complete && i.naturalWidth > 0).length);
}

async function rateNth(page, selector, fraction) {
  const stars = page.locator(selector);
  await stars.scrollIntoViewIfNeeded();
  const box = await stars.boundingBox();
  const before = await page.locator('#you').textContent();
  const done = page.waitForResponse((r) => r.url().includes('/ratings') && r.request().method() === 'POST');
  await stars.click({ position: { x: box.width * fraction, y: box.height / 2 } });
  const res = await done;
  check(res.status() === 201, `rating stored (${selector}, ${await stars.getAttribute('aria-valuenow')} stars)`);
  await page.waitForFunction((b) => document.querySelector('#you').textContent !== b, before);
}

const server = await startServer();
log(`server at ${server.url}`);
const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  await ready(page);
  check(await page.locator('#onboard').isVisible(), 'first visit: "rate a few movies you know" grid');
  check(await page.locator('#onboard-grid .card').count() >= 12, 'the grid shows well-known movies');
  check(!(await page.locator('#foryou').isVisible()), '"For you" waits for a first rating');
  await loadedPosters(page.locator('#onboard-grid'), 8);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${args.out}/home-1280x800.png` });

  await page.locator('#q').fill('heat');
  await page.waitForSelector('#suggestions li[role="option"]');
  const first = await page.locator('#suggestions li').first().textContent();
  check(first.startsWith('Heat'), `autocomplete offers "Heat" first (${first})`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/movie/6');
  await page.waitForSelector('.hero-title');
  check((await page.locator('.hero-title').textContent()) === 'Heat', 'the movie view of Heat (1995)');
  const shelves = page.locator('#similar .shelf');
  await page.waitForFunction(() => document.querySelectorAll('#similar .shelf').length === 3);
  for (let s = 0; s < 3; ++s) {
    const shelf = shelves.nth(s);
    const model = await shelf.getAttribute('data-model');
    const n = await loadedPosters(shelf.locator('.row'), 5);
    check(n >= 5, `${model}: ${n} similar posters loaded`);
    check(await shelf.locator('.card-title').count() >= 5, `${model}: titles under the posters`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${args.out}/movie-1280x800.png` });

  const before = await page.locator('#foryou-row').getAttribute('data-ids');
  await rateNth(page, '.hero .stars', 0.97);                                  // Heat: 5
  await rateNth(page, '#similar .shelf:nth-child(1) .card:nth-child(1) .stars', 0.85);  // 4.5
  await rateNth(page, '#similar .shelf:nth-child(1) .card:nth-child(2) .stars', 0.75);  // 4
  await rateNth(page, '#similar .shelf:nth-child(2) .card:nth-child(1) .stars', 0.97);  // 5
  await rateNth(page, '#similar .shelf:nth-child(3) .card:nth-child(1) .stars', 0.25);  // 1.5: a dislike
  await page.waitForFunction((b) => document.querySelector('#foryou-row').dataset.ids !== b, before);
  // The row as computed from all 5 ratings (it changed with the first one already).
  await page.waitForFunction(() => document.querySelector('#foryou-note').textContent.startsWith('From your 5 ratings'));
  const after = await page.locator('#foryou-row').getAttribute('data-ids');
  check(after !== before, `"For you" changed after 5 ratings`);
  check((await page.locator('#you').textContent()) === '5 rated', 'header counts 5 ratings');
  const rated = await page.locator('#similar .shelf:nth-child(1) .card:nth-child(1)').getAttribute('data-movie');
  check(!after.split(',').includes(rated), 'rated movies are not recommended');
  await page.locator('#foryou').scrollIntoViewIfNeeded();
  await loadedPosters(page.locator('#foryou-row'), 5);
  await page.screenshot({ path: `${args.out}/foryou-1280x800.png` });

  // The README's picture: the movie view with ratings given, 960x600 pixels.
  const small = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 0.75 });
  await small.addInitScript((id) => localStorage.setItem('movierec.user', id),
    await page.evaluate(() => localStorage.getItem('movierec.user')));
  const p3 = await small.newPage();
  await p3.goto(`${server.url}#/movie/6`);
  await ready(p3);
  await p3.waitForSelector('#similar .shelf');
  for (let s = 1; s <= 3; ++s) await loadedPosters(p3.locator(`#similar .shelf:nth-child(${s}) .row`), 7);
  await p3.evaluate(() => window.scrollTo(0, 0));
  await p3.screenshot({ path: `${args.out}/readme-960x600.png` });
  await small.close();

  await page.reload();
  await ready(page);
  await page.waitForSelector('.hero .stars');
  check((await page.locator('#you').textContent()) === '5 rated', 'after reload: the 5 ratings are kept');
  check((await page.locator('.hero .stars').getAttribute('aria-valuenow')) === '5', 'after reload: Heat shows 5 stars');
  const reloaded = await page.locator('#foryou-row').getAttribute('data-ids');
  check(reloaded === after, `after reload: the same "For you" (${reloaded} vs ${after})`);

  // Keyboard: focus the hero's stars and lower the rating with the arrow key.
  await page.locator('.hero .stars').focus();
  const kb = page.waitForResponse((r) => r.url().includes('/ratings') && r.request().method() === 'POST');
  await page.keyboard.press('ArrowLeft');
  check((await kb).status() === 201, 'keyboard rating (ArrowLeft) stored');

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const p2 = await phone.newPage();
  await p2.goto(server.url);
  await ready(p2);
  await loadedPosters(p2.locator('#onboard-grid'), 2);
  await p2.evaluate(() => window.scrollTo(0, 0));
  await p2.screenshot({ path: `${args.out}/home-390x844.png` });
  await p2.goto(`${server.url}#/movie/6`);
  await p2.waitForSelector('#similar .shelf');
  await loadedPosters(p2.locator('#similar .shelf:nth-child(1) .row'), 2);
  await p2.evaluate(() => window.scrollTo(0, 0));
  await p2.screenshot({ path: `${args.out}/movie-390x844.png` });
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `phone width: no horizontal page overflow (${overflow}px)`);
  check(errors.length === 0, `no page errors ${errors.join('; ')}`);
  log(`screenshots in ${args.out}`);
} finally {
  await browser.close();
  server.proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
