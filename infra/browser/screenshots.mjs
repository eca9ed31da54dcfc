// Screenshots of the simulator at desktop and phone width, for looking at the page:
//
//   PAYBOT_STACK_URL=http://127.0.0.1:3000 node screenshots.mjs [out-dir]
//
// It chats as the Romanian and the Russian demo sellers and as the wallet user Yaw on the
// running stack (and moves its clock 25 hours ahead at the end), so use a stack started for
// the purpose. With PAYBOT_CONSOLE_TOKEN (the stack's CONSOLE_OPERATOR_TOKEN) it also signs in
// to the console and shoots the wallet number's figures.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  daytimeInAccra, launch, openCheckout, openSimulator, pickSeller, pickWalletUser, say, settle, stackUrl, type, waitForCheckoutLink,
} from './lib.mjs';

const out = process.argv[2] || 'screenshots';
await mkdir(out, { recursive: true });
const shot = (page, name) => page.screenshot({ path: join(out, `${name}.png`) });

const desktop = { width: 1280, height: 900 };
const phone = { width: 375, height: 740 };

const browser = await launch();
try {
  const context = await browser.newContext();
  const page = await openSimulator(context, desktop);
  await shot(page, 'desktop-1-pick');

  await pickSeller(page, '+37369000001');
  await type(page, 'pay 100 "Cafea + croissant" #cafea');
  const link = await waitForCheckoutLink(page);
  await shot(page, 'desktop-2-link');

  const checkout = await openCheckout(page, link);
  await checkout.setViewportSize(phone);
  await shot(checkout, 'checkout-1-open');
  await settle(checkout, 'pay');
  await shot(checkout, 'checkout-2-paid');
  await checkout.close();
  await page.waitForFunction(() => [...document.querySelectorAll('.msg.bot')].some((m) => m.textContent.includes('✅')), null, { timeout: 15_000 }).catch(() => {});
  await shot(page, 'desktop-3-paid');

  // The wallet: Yaw links with the SMS code and asks for a top-up, waiting on the MoMo panel.
  const wallet = await openSimulator(context, desktop);
  await daytimeInAccra(wallet);
  await wallet.selectOption('#business-select', '106540352242944');
  await shot(wallet, 'desktop-4-wallet-pick');
  await pickWalletUser(wallet, '+233244000105', '106540352242944');
  await say(wallet, 'LINK', 'If an account matches');
  await wallet.waitForSelector('#sms-list .sms');
  const code = (await wallet.locator('#sms-list .sms-text').first().textContent()).match(/\d{6}/)[0];
  await say(wallet, code, 'Linked');
  await say(wallet, 'TOPUP 100', 'Top up');
  await type(wallet, 'YES');
  await wallet.waitForSelector('#momo-list .momo-request.pending', { timeout: 15_000 }).catch(() => {});
  await shot(wallet, 'desktop-5-wallet-momo');
  const walletPhone = await openSimulator(context, phone);
  await pickWalletUser(walletPhone, '+233244000105', '106540352242944');
  await walletPhone.waitForSelector('#momo-list .momo-request.pending', { timeout: 15_000 }).catch(() => {});
  await shot(walletPhone, 'phone-6-wallet-chat');
  await walletPhone.click('#to-momo');
  await walletPhone.waitForTimeout(800);
  await shot(walletPhone, 'phone-7-wallet-momo');

  // Phone width: the list sheet of the Russian seller with two merchants.
  const small = await openSimulator(context, phone);
  await shot(small, 'phone-1-pick');
  await pickSeller(small, '+37369000002');
  await type(small, 'pay 100');
  await small.waitForSelector('.msg.bot .list-button', { timeout: 15_000 });
  await shot(small, 'phone-2-list');
  await small.click('.msg.bot .list-button >> nth=-1');
  await shot(small, 'phone-3-sheet');
  await small.click('#sheet-body .row >> nth=1');
  await small.click('#sheet-send');
  await waitForCheckoutLink(small);
  await shot(small, 'phone-4-picked');

  // The operator console after the chats above (with the stack's CONSOLE_OPERATOR_TOKEN).
  const token = process.env.PAYBOT_CONSOLE_TOKEN;
  if (token) {
    for (const [name, viewport] of [['console-desktop', { width: 1280, height: 1600 }], ['console-phone', { width: 390, height: 1600 }]]) {
      const admin = await context.newPage();
      await admin.setViewportSize(viewport);
      await admin.goto(`${stackUrl()}/admin`);
      await admin.fill('#token', token);
      await admin.click('#signin-button');
      await admin.waitForSelector('#console:not([hidden]) .grid');
      await admin.selectOption('#number', '106540352242944');
      await admin.waitForFunction(() => document.querySelector('#chart-commands svg') !== null, null, { timeout: 15_000 }).catch(() => {});
      await shot(admin, name);
    }
  }
  // 25 hours later: the link expires and the update arrives as a template.
  await small.click('#clock-forward');
  await small.waitForSelector('.msg.template', { timeout: 20_000 }).catch(() => {});
  await shot(small, 'phone-5-template');
  console.log(`screenshots of ${stackUrl()} in ${out}/`);
} finally {
  await browser.close();
}
