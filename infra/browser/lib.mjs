// Shared by the browser test and the screenshot tool: Debian's Chromium through
// playwright-core (no browser download), and the simulator's moves as a person makes them.

import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Headless, no sandbox (root in CI containers), nothing that calls home. Playwright adds
// --headless and a fresh --user-data-dir of its own.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The running stack's URL, from the environment: this code starts nothing itself. */
export function stackUrl() {
  const url = process.env.PAYBOT_STACK_URL;
  if (!url) throw new Error('PAYBOT_STACK_URL is not set (e.g. http://127.0.0.1:3000); infra/browser/run.sh sets it');
  return url.replace(/\/+$/, '');
}

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Opens the page and waits until it has loaded the directory. */
export async function openSimulator(context, viewport) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(`${stackUrl()}/`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

export async function pickSeller(page, phone) {
  await page.click(`.seller[data-phone="${phone}"]`);
  await page.waitForSelector('#screen-chat:not([hidden])');
}

/**
 * Moves the stack clock to 10:00 in Accra (UTC) unless it is daytime there: at night the
 * wallet's fraud rules ask a fresh code before money moves (the wallet's own tests cover it).
 */
export async function daytimeInAccra(page) {
  await page.evaluate(async () => {
    const clock = await (await fetch('/_sim/clock')).json();
    const now = new Date(clock.now);
    const hour = now.getUTCHours();
    if (hour >= 8 && hour < 18) return;
    const sinceTen = (((hour * 60 + now.getUTCMinutes() - 600) % 1440) + 1440) % 1440;
    const moved = await fetch('/_sim/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes: 1440 - sinceTen }),
    });
    if (!moved.ok) throw new Error(`the clock did not move: ${moved.status}`);
  });
}

/** Picks `business` (a phone_number_id) in the picker, then the wallet user with `phone`. */
export async function pickWalletUser(page, phone, business) {
  await page.selectOption('#business-select', business);
  await page.click(`.seller.wallet-user[data-phone="${phone}"]`);
  await page.waitForSelector('#screen-chat:not([hidden])');
  await page.waitForSelector('#wallet-panels:not([hidden])');
}

/** The texts of the bot's messages on the page, oldest first. */
export function botTexts(page) {
  return page.$$eval('.msg.bot .text', (nodes) => nodes.map((n) => n.textContent));
}

/**
 * Types `text` and waits for the bot's first new message that starts with `prefix`; returns
 * that message's text.
 */
export async function say(page, text, prefix, timeout = 15_000) {
  const before = (await botTexts(page)).length;
  await type(page, text);
  const handle = await page.waitForFunction(
    ([count, start]) => [...document.querySelectorAll('.msg.bot .text')].slice(count).map((n) => n.textContent).find((t) => t.startsWith(start)),
    [before, prefix],
    { timeout },
  );
  return handle.jsonValue();
}

export async function type(page, text) {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

/** The bot's newest message with a checkout link, once there is one after `afterCount` links. */
export async function waitForCheckoutLink(page, afterCount = 0, timeout = 15_000) {
  const links = page.locator('.msg.bot a[href*="/checkout?paymentId="]');
  await page.waitForFunction(
    ([selector, count]) => document.querySelectorAll(selector).length > count,
    ['.msg.bot a[href*="/checkout?paymentId="]', afterCount],
    { timeout },
  );
  return links.last();
}

/** Follows the link to the checkout page (a new tab, as a phone's browser would open it). */
export async function openCheckout(page, link) {
  const [checkout] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await checkout.waitForLoadState('domcontentloaded');
  return checkout;
}

/** Presses one of the checkout page's buttons: pay, decline or expire. */
export async function settle(checkout, action) {
  await checkout.click(`form[action$="/${action}"] button`);
  await checkout.waitForSelector('.result');
}

/** The fixed words a Fluent message starts with (up to its first placeholder). */
export async function localePrefix(locale, id, dir = '') {
  const file = await readFile(new URL(`../../shared/locales/${dir}${locale}.ftl`, import.meta.url), 'utf8');
  const match = file.match(new RegExp(`^${id} =[ \\t]*\\n?[ \\t]*([^{\\n]+)`, 'm'));
  if (!match) throw new Error(`${id} is not in ${dir}${locale}.ftl`);
  return match[1].trim();
}

/** The wallet's English copy, up to its first placeholder. */
export const wallet = (id) => localePrefix('en', id, 'wallet/');

/** LINK, the code from the SMS inbox panel, and the welcome. */
export async function link(page, name, timeout = 15_000) {
  const smsBefore = await page.locator('#sms-list .sms').count();
  await say(page, 'LINK', await wallet('wallet-link-code-sent'), timeout);
  await page.waitForFunction((count) => document.querySelectorAll('#sms-list .sms').length > count, smsBefore, { timeout });
  const sms = await page.locator('#sms-list .sms .sms-text').first().textContent();
  const code = sms.match(/\b(\d{6})\b/)[1];
  const welcome = await say(page, code, 'Linked ✅', timeout);
  if (!new RegExp(`Welcome, ${name}!`).test(welcome)) throw new Error(`no welcome for ${name}: ${welcome}`);
}
