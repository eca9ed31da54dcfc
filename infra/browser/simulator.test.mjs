// The phone simulator in headless Chromium, against a running local stack:
//
//   PAYBOT_STACK_URL=http://127.0.0.1:3000 node --test simulator.test.mjs
//
// infra/browser/run.sh starts the stack on a free port, runs this and stops the stack.
// Every wait is bounded; nothing here starts or stops a server.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  launch, openCheckout, openSimulator, pickSeller, settle, stackUrl, type, waitForCheckoutLink,
} from './lib.mjs';

const ROMANIAN_SELLER = '+37369000001';
const FRENCH_SELLER = '+37369000004';
const STEP = 15_000;

/** The fixed words a Fluent message starts with (up to its first placeholder). */
async function localePrefix(locale, id) {
  const file = await readFile(new URL(`../../shared/locales/${locale}.ftl`, import.meta.url), 'utf8');
  const match = file.match(new RegExp(`^${id} =[ \\t]*\\n?[ \\t]*([^{\\n]+)`, 'm'));
  assert.ok(match, `${id} in ${locale}.ftl`);
  return match[1].trim();
}

let browser;
before(async () => {
  stackUrl();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a Romanian seller asks for 100, the payer pays, and the chat says it was paid', { timeout: 90_000 }, async () => {
  const context = await browser.newContext();
  const page = await openSimulator(context, { width: 1280, height: 900 });
  await pickSeller(page, ROMANIAN_SELLER);
  const before = await page.locator('.msg.bot a[href*="/checkout?paymentId="]').count();

  await type(page, 'pay 100');
  const link = await waitForCheckoutLink(page, before, STEP);
  const bubble = await link.evaluate((a) => a.closest('.msg').innerText);
  assert.match(bubble, /100,00/, 'the Romanian amount format');
  assert.match(await link.getAttribute('href'), /\/sandbox\/miapos\/checkout\?paymentId=/);

  const checkout = await openCheckout(page, link);
  await settle(checkout, 'pay');
  assert.equal(await checkout.locator('.result.ok').count(), 1, 'the checkout page shows the payment as done');
  await checkout.close();

  const paid = await localePrefix('ro', 'payment-paid');
  await page.waitForFunction(
    (prefix) => [...document.querySelectorAll('.msg.bot .text')].some((m) => m.textContent.startsWith(prefix) && m.textContent.includes('100,00')),
    paid,
    { timeout: STEP },
  );
  await context.close();
});

test('25 hours later the seller\'s next status update arrives as a template', { timeout: 90_000 }, async () => {
  const context = await browser.newContext();
  const page = await openSimulator(context, { width: 390, height: 760 });
  await pickSeller(page, FRENCH_SELLER);
  const templatesBefore = await page.locator('.msg.template').count();
  const linksBefore = await page.locator('.msg.bot a[href*="/checkout?paymentId="]').count();

  await type(page, 'pay 7 "Vin rouge"');
  await waitForCheckoutLink(page, linksBefore, STEP);

  // The window closes and the link outlives its lifetime: the template sender expires it,
  // notify finds the window closed, and the update goes out as an approved template.
  await page.click('#clock-forward');
  await page.waitForFunction(() => /\+25 h/.test(document.querySelector('#stack-ahead')?.textContent || ''), null, { timeout: STEP });
  await page.waitForFunction(
    (count) => document.querySelectorAll('.msg.template').length > count,
    templatesBefore,
    { timeout: STEP },
  );
  const template = page.locator('.msg.template').last();
  assert.equal(await template.getAttribute('data-template'), 'payment_update');
  assert.match(await template.innerText(), /7,00/);
  await context.close();
});

test('the page fits a 360 px phone without sideways scrolling', { timeout: 30_000 }, async () => {
  const context = await browser.newContext();
  const page = await openSimulator(context, { width: 360, height: 720 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the picker is ${overflow}px too wide`);
  await pickSeller(page, ROMANIAN_SELLER);
  const chatOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(chatOverflow <= 0, `the chat is ${chatOverflow}px too wide`);
  await context.close();
});
