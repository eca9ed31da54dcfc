// The phone simulator in headless Chromium, against a running local stack:
//
//   PAYBOT_STACK_URL=http://127.0.0.1:3000 node --test simulator.test.mjs
//
// infra/browser/run.sh starts the stack on a free port, runs this and stops the stack.
// Every wait is bounded; nothing here starts or stops a server.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  botTexts, daytimeInAccra, launch, link, localePrefix, openCheckout, openSimulator, pickSeller, pickWalletUser, say, settle,
  stackUrl, type, wallet, waitForCheckoutLink,
} from './lib.mjs';

const ROMANIAN_SELLER = '+37369000001';
const FRENCH_SELLER = '+37369000004';
const KWAME = '+233244000101'; // wallet.json: tier1, 500.00
const AMA = '+233244000102'; // wallet.json: tier2, 1250.50
const WALLET_NUMBER = '106540352242944';
const STEP = 15_000;

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

test('two wallet users link with their SMS codes, one tops up on MoMo and sends to the other, and both statements show it', { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  const kwame = await openSimulator(context, { width: 1280, height: 900 });
  await daytimeInAccra(kwame);
  await pickWalletUser(kwame, KWAME, WALLET_NUMBER);
  assert.match(await kwame.locator('#business-number').textContent(), /\+233248073506/);
  await link(kwame, 'Kwame', STEP);

  // TOPUP 100, YES, and the MoMo prompt approved on the panel: the sandbox calls the status
  // function back and the top-up arrives in the chat.
  assert.match(await say(kwame, 'TOPUP 100', await wallet('wallet-confirm-topup'), STEP), /100\.00\sGHS/);
  await say(kwame, 'YES', await wallet('wallet-topup-started'), STEP);
  const request = kwame.locator('#momo-list .momo-request.pending');
  await request.waitFor({ timeout: STEP });
  assert.match(await request.locator('.momo-amount').textContent(), /^100 GHS$/);
  const arrived = await wallet('wallet-topup-done');
  const before = (await botTexts(kwame)).length;
  await request.locator('button.approve').click();
  await kwame.waitForFunction(
    ([count, start]) => [...document.querySelectorAll('.msg.bot .text')].slice(count).some((n) => n.textContent.startsWith(start)),
    [before, arrived],
    { timeout: STEP },
  );
  assert.ok((await botTexts(kwame)).some((t) => /^Your top-up of 100\.00\sGHS has arrived/.test(t)));
  await kwame.locator('#momo-list .momo-request.settled.ok').waitFor({ timeout: STEP });

  // Ama links from her own phone (a phone-sized page), then receives Kwame's SEND.
  const ama = await openSimulator(context, { width: 360, height: 720 });
  await pickWalletUser(ama, AMA, WALLET_NUMBER);
  await link(ama, 'Ama', STEP);
  const overflow = await ama.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the wallet chat is ${overflow}px too wide`);

  const confirm = await say(kwame, 'SEND 50 0244000102 lunch', 'Send ', STEP);
  assert.match(confirm, /^Send 50\.00\sGHS to Ama O\.\?/);
  const sent = await say(kwame, 'YES', 'Sent ✅', STEP);
  assert.match(sent, /50\.00\sGHS to Ama O\./);
  assert.match(sent, /Your balance: 550\.00\sGHS/);
  await ama.waitForFunction(
    () => [...document.querySelectorAll('.msg.bot .text')].some((n) => /^You received 50\.00\sGHS from Kwame M\./.test(n.textContent)),
    null,
    { timeout: STEP },
  );

  const header = await wallet('wallet-statement-header');
  const kwameStatement = await say(kwame, 'STATEMENT', header, STEP);
  assert.match(kwameStatement, /-50\.00\sGHS sent · lunch → 550\.00\sGHS/);
  assert.match(kwameStatement, /\+100\.00\sGHS MoMo top-up → 600\.00\sGHS/);
  assert.match(kwameStatement, /\+500\.00\sGHS opening balance → 500\.00\sGHS/);
  const amaStatement = await say(ama, 'STATEMENT', header, STEP);
  assert.match(amaStatement, /\+50\.00\sGHS received · lunch → 1,300\.50\sGHS/);
  assert.match(amaStatement, /\+1,250\.50\sGHS opening balance/);

  // STATEMENT PDF: a document message with its file name, its caption and a link that opens
  // the PDF the bot uploaded to the Cloud API sandbox.
  const caption = await say(kwame, 'STATEMENT PDF', await wallet('wallet-pdf-caption'), STEP);
  assert.match(caption, /closing balance 550\.00\sGHS\.$/);
  const documentMessage = kwame.locator('.msg.bot.document').last();
  const fileName = await documentMessage.getAttribute('data-filename');
  assert.match(fileName, /^statement-\d{4}-\d{2}\.pdf$/);
  const fileLink = documentMessage.locator('a.doc-name');
  assert.equal(await fileLink.textContent(), fileName);
  const pdf = await kwame.request.get(new URL(await fileLink.getAttribute('href'), stackUrl()).href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  const bytes = await pdf.body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  await context.close();
});
