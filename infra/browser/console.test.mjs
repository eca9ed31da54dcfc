// The operator console in headless Chromium, beside the phone simulator, against a running
// local stack:
//
//   PAYBOT_STACK_URL=http://127.0.0.1:3000 PAYBOT_CONSOLE_TOKEN=… node --test console.test.mjs
//
// infra/browser/run.sh starts the stack with CONSOLE_OPERATOR_TOKEN set, runs this and stops
// the stack. The console changes the wallet number's switch, so the test files run one after
// the other (run.sh passes --test-concurrency=1).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { botTexts, launch, link, localePrefix, openSimulator, pickWalletUser, say, stackUrl, type, wallet } from './lib.mjs';

const EFUA = '+233244000106'; // wallet.json: tier2, 180.00
const WALLET_NUMBER = '106540352242944';
const STEP = 15_000;

function consoleToken() {
  const token = process.env.PAYBOT_CONSOLE_TOKEN;
  if (!token) throw new Error('PAYBOT_CONSOLE_TOKEN is not set; infra/browser/run.sh sets it with CONSOLE_OPERATOR_TOKEN');
  return token;
}

let browser;
before(async () => {
  stackUrl();
  consoleToken();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The wallet number's figures, read from the console's API with the page's sign-in. */
function figures(page) {
  return page.evaluate(async (number) => {
    const response = await fetch(`/admin/api/numbers/${number}?locale=en`, {
      headers: { Authorization: `Bearer ${sessionStorage.getItem('console-token')}` },
    });
    if (!response.ok) throw new Error(`figures: ${response.status}`);
    return response.json();
  }, WALLET_NUMBER);
}

const commandCount = (f, name) => f.commands.items.find((c) => c.name === name)?.count ?? 0;
const failedEntry = (f, text) => f.failed_commands.items.find((x) => x.command === text);

/** Refreshes the console and waits until `predicate(figures)` holds on the page's data. */
async function refreshUntil(admin, predicate, what) {
  const deadline = Date.now() + STEP;
  for (;;) {
    await admin.click('#refresh');
    const f = await figures(admin);
    if (predicate(f)) return f;
    if (Date.now() > deadline) assert.fail(`the console never showed ${what}: ${JSON.stringify(f).slice(0, 3000)}`);
    await admin.waitForTimeout(300);
  }
}

/** No new bot message for a while after `count` messages (the bot stays silent). */
async function staysSilent(page, count) {
  await page.waitForTimeout(1_500);
  const texts = await botTexts(page);
  assert.equal(texts.length, count, `the bot answered: ${texts.slice(count).join(' | ')}`);
}

test('an operator signs in, sees a scripted conversation in the figures, teaches an alias, pauses the bot and answers an escalation', { timeout: 180_000 }, async () => {
  const context = await browser.newContext();

  // Without a token the console shows only its sign-in form, and the API refuses.
  const admin = await context.newPage();
  await admin.setViewportSize({ width: 1280, height: 1000 });
  await admin.goto(`${stackUrl()}/admin`);
  await admin.waitForSelector('#signin:not([hidden])');
  const refused = await admin.evaluate(async () => (await fetch('/admin/api/numbers')).status);
  assert.equal(refused, 401);
  await admin.fill('#token', 'not-the-token');
  await admin.click('#signin-button');
  await admin.waitForSelector('#message.bad');
  assert.ok(await admin.isVisible('#signin'), 'a wrong token does not sign in');

  await admin.fill('#token', consoleToken());
  await admin.click('#signin-button');
  await admin.waitForSelector('#console:not([hidden]) .grid');
  await admin.selectOption('#number', WALLET_NUMBER);
  await admin.waitForFunction(() => document.querySelector('#console').textContent.includes('233248073506'));
  const start = await figures(admin);

  // The scripted conversation: link, BAL, and one command the bot does not know. No money
  // moves, so the stack clock stays where it is (the simulator's test moves it).
  const efua = await openSimulator(context, { width: 1280, height: 900 });
  await pickWalletUser(efua, EFUA, WALLET_NUMBER);
  await link(efua, 'Efua', STEP);
  const balance = await wallet('wallet-balance');
  assert.match(await say(efua, 'BAL', balance, STEP), /180\.00\sGHS/);
  const before = (await botTexts(efua)).length;
  await type(efua, 'money left');
  await efua.waitForFunction((count) => document.querySelectorAll('.msg.bot .text').length > count, before, { timeout: STEP });

  // The figures moved by what the script did: one more active user, one more BAL, the
  // unknown command in the failed-command log.
  const seen = await refreshUntil(admin, (f) => failedEntry(f, 'MONEY LEFT') && commandCount(f, 'BAL') > commandCount(start, 'BAL'), 'the scripted conversation');
  assert.equal(commandCount(seen, 'BAL') - commandCount(start, 'BAL'), 1, 'one BAL');
  assert.equal(seen.failed_commands.total - start.failed_commands.total, 1, 'one failed command');
  assert.ok(seen.active_today >= 1 && seen.active_today - start.active_today <= 1, `active today ${start.active_today} → ${seen.active_today}`);
  assert.equal(seen.bot.on, true);
  assert.equal(seen.webhook.connected, true, 'signed webhooks arrived');
  await admin.waitForFunction(() => [...document.querySelectorAll('#console td')].some((td) => td.textContent === 'MONEY LEFT'));
  await admin.waitForFunction(() => document.querySelector('#chart-commands svg') !== null, null, { timeout: STEP });

  // Teach the alias from the failed-command log; the grammar takes it from then on.
  const row = admin.locator('#console tr', { hasText: 'MONEY LEFT' });
  await row.getByRole('button', { name: 'Teach alias' }).click();
  await admin.fill('form.inline input[aria-label="Command it stands for"]', 'BAL');
  await admin.locator('form.inline', { has: admin.locator('input') }).getByRole('button', { name: 'Teach alias' }).click();
  await refreshUntil(admin, (f) => f.aliases['MONEY LEFT'] === 'BAL', 'the taught alias');
  assert.match(await say(efua, 'money left', balance, STEP), /180\.00\sGHS/);

  // Switch the bot off: one "paused" answer per user per pause, then silence; on again.
  const paused = await localePrefix('en', 'bot-paused');
  await admin.getByRole('button', { name: 'Pause the bot' }).click();
  await refreshUntil(admin, (f) => f.bot.on === false, 'the bot switched off');
  await say(efua, 'BAL', paused, STEP);
  const afterPaused = (await botTexts(efua)).length;
  await type(efua, 'BAL');
  await staysSilent(efua, afterPaused);
  await admin.getByRole('button', { name: 'Resume the bot' }).click();
  await refreshUntil(admin, (f) => f.bot.on === true, 'the bot switched on');
  assert.match(await say(efua, 'BAL', balance, STEP), /180\.00\sGHS/);

  // AGENT hands the conversation to a person: the bot goes quiet, the console shows the
  // conversation, the operator answers in the chat, and releasing it gives the bot back.
  await say(efua, 'AGENT', await localePrefix('en', 'handoff-opened'), STEP);
  const handedOver = (await botTexts(efua)).length;
  await type(efua, 'my top-up did not arrive');
  await staysSilent(efua, handedOver);
  await refreshUntil(admin, (f) => f.escalations.some((e) => e.messages.some((m) => m.text === 'my top-up did not arrive')), 'the escalation');
  const chat = admin.locator('#console .chat', { hasText: 'my top-up did not arrive' });
  await chat.locator('textarea').fill('We are checking it now.');
  await chat.getByRole('button', { name: 'Send reply' }).click();
  const reply = await localePrefix('en', 'operator-reply', 'console/');
  await efua.waitForFunction(
    (text) => [...document.querySelectorAll('.msg.bot .text')].some((n) => n.textContent === text),
    `${reply} We are checking it now.`.replace(/\s+$/, ''),
    { timeout: STEP },
  );
  await admin.locator('#console .chat', { hasText: 'We are checking it now.' }).getByRole('button', { name: 'Release to the bot' }).click();
  await refreshUntil(admin, (f) => f.escalations.length === seen.escalations.length, 'the released conversation');
  assert.match(await say(efua, 'BAL', balance, STEP), /180\.00\sGHS/);

  const end = await figures(admin);
  assert.ok(end.escalation_rate.text !== '—', `the escalation counts in the rate: ${end.escalation_rate.text}`);
  await context.close();
});
