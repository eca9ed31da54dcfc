// The wallet's products in headless Chromium, against a running local stack: a susu round and
// a BNPL purchase whose first instalment is collected after the clock moves.
//
//   PAYBOT_STACK_URL=http://127.0.0.1:3000 node --test wallet-products.test.mjs
//
// infra/browser/run.sh starts the stack with the demo wallet file's susu group (MAKOLA4)
// starting now and WALLET_BNPL_MIN_SCORE=300 (a fresh account scores 451), and runs this file
// last: it moves the stack clock a month ahead.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { botTexts, daytimeInAccra, launch, link, localePrefix, openSimulator, pickWalletUser, say, stackUrl, type, wallet } from './lib.mjs';

const KWAME = '+233244000101'; // wallet.json: MAKOLA4 seat 1
const AMA = '+233244000102'; // seat 2
const EFUA = '+233244000106'; // seat 3
const YAW = '+233244000105'; // joins seat 4 by code
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

/** Links the user unless an earlier test did: BAL answers with the balance once linked. */
async function ensureLinked(page, name) {
  const balance = await wallet('wallet-balance');
  const before = (await botTexts(page)).length;
  await type(page, 'BAL');
  if (!(await nextBotText(page, before)).startsWith(balance)) await link(page, name, STEP);
}

/** The first bot message after `count` messages. */
async function nextBotText(page, count) {
  const handle = await page.waitForFunction(
    (c) => [...document.querySelectorAll('.msg.bot .text')].slice(c).map((n) => n.textContent)[0],
    count,
    { timeout: STEP },
  );
  return handle.jsonValue();
}

/**
 * A money command, answered with `prefix`: when the session went idle (the clock moved since
 * the user last proved it), the wallet asks for a fresh SMS code first; the code from the SMS
 * inbox renews the session and the wallet goes on with the command.
 */
async function money(page, text, prefix) {
  const before = (await botTexts(page)).length;
  const smsBefore = await page.locator('#sms-list .sms').count();
  await type(page, text);
  const first = await nextBotText(page, before);
  if (first.startsWith(await wallet('wallet-session-code-sent'))) {
    await page.waitForFunction((c) => document.querySelectorAll('#sms-list .sms').length > c, smsBefore, { timeout: STEP });
    const code = (await page.locator('#sms-list .sms .sms-text').first().textContent()).match(/\b(\d{6})\b/)[1];
    return say(page, code, prefix, STEP);
  }
  assert.ok(first.startsWith(prefix), `${text}: ${first}`);
  return first;
}

async function walletUser(context, phone, name) {
  const page = await openSimulator(context, { width: 1280, height: 900 });
  await pickWalletUser(page, phone, WALLET_NUMBER);
  await ensureLinked(page, name);
  return page;
}

/** Moves the stack clock (the page's own control, as an operator would) and waits for the runs. */
async function moveClock(page, hours) {
  const moved = await page.evaluate(async (h) => {
    const response = await fetch('/_sim/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: h }),
    });
    return response.status;
  }, hours);
  assert.equal(moved, 200, `the clock moved ${hours} h`);
}

/** Waits for a template message named `name` on the page after `count` of them. */
async function waitForTemplate(page, name, count) {
  await page.waitForFunction(
    ([n, c]) => document.querySelectorAll(`.msg.template[data-template="${n}"]`).length > c,
    [name, count],
    { timeout: STEP },
  );
}

const templates = (page, name) => page.locator(`.msg.template[data-template="${name}"]`).count();

test('a susu round pays the pot to the member whose turn it is, and a BNPL purchase has its first instalment collected a month later', { timeout: 240_000 }, async () => {
  const context = await browser.newContext();
  const kwame = await openSimulator(context, { width: 1280, height: 900 });
  await daytimeInAccra(kwame);
  await pickWalletUser(kwame, KWAME, WALLET_NUMBER);
  await ensureLinked(kwame, 'Kwame');

  // Yaw takes the group's last seat by its code: the group is full and its first cycle runs.
  const yaw = await walletUser(context, YAW, 'Yaw');
  assert.match(await say(yaw, 'SUSU JOIN MAKOLA4', 'You joined', STEP), /seat 4 of 4/);

  // Three members pay this cycle's contribution with YES; Yaw (no money yet) does not.
  const paid = await wallet('susu-paid');
  const ama = await walletUser(context, AMA, 'Ama');
  const efua = await walletUser(context, EFUA, 'Efua');
  for (const [page, n] of [[kwame, 1], [ama, 2], [efua, 3]]) {
    assert.match(await money(page, 'SUSU PAY', 'Pay '), /50\.00\sGHS into the susu group Makola Traders/);
    assert.match(await say(page, 'YES', paid, STEP), new RegExp(`${n} of 4 members have paid`));
  }
  assert.match(await say(yaw, 'SUSU', 'Your susu groups', STEP), /Paid: 3 of 4/);

  // Kwame buys on credit from Ama: paid now from the BNPL credit account, repaid in instalments.
  assert.match(await money(kwame, 'BNPL 100 0244000102', 'Buy now, pay later: pay'), /100\.00\sGHS to Ama O\./);
  const bought = await say(kwame, 'YES', 'Paid ✅', STEP);
  assert.match(bought, /100\.00\sGHS to Ama O\. with BNPL/);
  const owedAtFirst = (await say(kwame, 'BNPL', 'Buy now, pay later:', STEP)).match(/you owe ([\d.,]+)/)[1];
  assert.equal(owedAtFirst, '103.00', 'the amount and the 3 % fee');

  // The cycle ends short: the scheduled run pays what was paid to seat 1, Kwame, and tells every
  // member; a week on, their windows are closed, so the notice arrives as the susu template.
  const susuBefore = await templates(kwame, 'susu_update');
  const amaBefore = await templates(ama, 'susu_update');
  await moveClock(kwame, 7 * 24 + 1);
  await waitForTemplate(kwame, 'susu_update', susuBefore);
  await waitForTemplate(ama, 'susu_update', amaBefore);
  assert.match(await kwame.locator('.msg.template[data-template="susu_update"]').last().innerText(), /150\.00/);

  // A month after the purchase: the reminder the day before, then the first instalment.
  const remindersBefore = await templates(kwame, 'bnpl_reminder');
  await moveClock(kwame, 22 * 24);
  await waitForTemplate(kwame, 'bnpl_reminder', remindersBefore);
  const updatesBefore = await templates(kwame, 'wallet_update');
  await moveClock(kwame, 24);
  await waitForTemplate(kwame, 'wallet_update', updatesBefore);
  const owedNow = (await say(kwame, 'BNPL', 'Buy now, pay later:', STEP)).match(/you owe ([\d.,]+)/)[1];
  assert.equal(owedNow, '68.66', 'one of three instalments collected');
  const header = await wallet('wallet-statement-header');
  const statement = await say(kwame, 'STATEMENT', header, STEP);
  assert.match(statement, new RegExp(await localePrefix('en', 'wallet-kind-bnpl-instalment', 'wallet/credit/')));
  assert.match(statement, /\+150\.00\sGHS susu payout/);
  await context.close();
});
