// The phone simulator. Plain JavaScript, no build step, no dependencies.
//
// Everything the bot says comes from the server (the Cloud API sandbox's recorded sends):
// this page only renders it. Its own words (buttons, hints) are the simulator's UI.
'use strict';

const $ = (selector, root = document) => root.querySelector(selector);

const state = {
  info: null,
  seller: null,        // who you are: a seller {phone, masked, name, locale, blocked, merchants},
                       // a wallet user {phone, masked, name, id, tier, frozen, wallet: true}, or the guest
  business: null,      // the business number written to (an entry of info.business)
  pickBusiness: null,  // the picker's business number (phone_number_id)
  panelTimer: null,    // refreshes the wallet user's SMS and MoMo panels
  after: 0,            // last transcript seq rendered
  generation: 0,       // bumps when the chat changes, so a stale poll stops
  abort: null,
  clock: null,         // {stack: ms, wall: ms, ahead: s}
  timeZone: 'UTC',
  definitions: [],     // approved template texts (infra/templates)
  entries: new Map(),  // wamid -> entry, for quoted replies
  ticks: new Map(),    // seq -> webhook status, when the answer comes before the entry
  lastDay: null,
  list: null,          // the list message whose sheet is open
  typingTimer: null,
};

// ---- helpers --------------------------------------------------------------------------------

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { 'content-type': 'application/json', ...(options.headers || {}) },
  });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Text with its http(s) links made clickable; everything else stays text (never HTML). */
function linkified(text) {
  const fragment = document.createDocumentFragment();
  const pattern = /https?:\/\/[^\s<>"']+/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    let url = match[0];
    // Sentence punctuation after a link is not part of it.
    const trailing = url.match(/[.,;:!?)\]]+$/);
    if (trailing) url = url.slice(0, -trailing[0].length);
    fragment.append(text.slice(last, match.index));
    fragment.append(el('a', { href: url, target: '_blank', rel: 'noopener', text: url }));
    last = match.index + url.length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

function initials(name) {
  const parts = name.split(/\s+/).filter(Boolean);
  return ((parts[0] || '?')[0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

function colourFor(text) {
  let hash = 0;
  for (const c of text) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  const colours = ['#0f766e', '#1f6feb', '#9a3412', '#7c3aed', '#be123c', '#4d7c0f', '#0369a1'];
  return colours[hash % colours.length];
}

function format(ms, options) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: state.timeZone, ...options }).format(new Date(ms));
}

let toastTimer = null;
function toast(message, bad = false) {
  const box = $('#toast');
  box.textContent = message;
  box.classList.toggle('bad', bad);
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, bad ? 6000 : 3500);
}

// ---- the stack clock ------------------------------------------------------------------------

function setClock(view) {
  if (!view) return;
  state.clock = { stack: Date.parse(view.now), wall: Date.now(), ahead: view.ahead_seconds };
  renderClock();
}

function stackNow() {
  return state.clock ? state.clock.stack + (Date.now() - state.clock.wall) : Date.now();
}

function renderClock() {
  if (!state.clock) return;
  $('#stack-time').textContent =
    format(stackNow(), { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  $('#stack-time').dateTime = new Date(stackNow()).toISOString();
  // The stack clock catches up with the wall clock in steps: round to the minute.
  const ahead = Math.round(state.clock.ahead / 60);
  const badge = $('#stack-ahead');
  badge.hidden = ahead < 1;
  if (ahead >= 1) {
    const hours = Math.floor(ahead / 60);
    const minutes = ahead % 60;
    badge.textContent = hours ? `+${hours} h${minutes ? ` ${minutes} min` : ''}` : `+${minutes} min`;
    badge.title = 'How far the stack clock is ahead of this computer\'s clock';
  }
}

function templateSummary(report) {
  const text = String(report).replace(/^RunReport \{\s*/, '').replace(/\s*\}$/, '');
  const sent = text.match(/templates_sent: (\d+)/);
  return sent ? `${sent[1]} template(s) sent · ${text}` : text;
}

async function moveClock() {
  const button = $('#clock-forward');
  button.disabled = true;
  // Placed now, so that it comes before what the jump makes the bot send.
  const note = state.seller ? systemNote('Stack clock moved 25 hours ahead: the 24-hour window is closed.') : null;
  try {
    const answer = await api('/_sim/clock', { method: 'POST', body: JSON.stringify({ hours: 25 }) });
    setClock(answer.clock);
    toast(`Clock moved 25 h ahead. Template sender: ${(answer.templates || []).map(templateSummary).join(' / ')}`);
  } catch (error) {
    if (note) note.remove();
    toast(`Could not move the clock: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

async function runTemplates() {
  const button = $('#run-templates');
  button.disabled = true;
  try {
    const answer = await api('/_sim/templates', { method: 'POST', body: '{}' });
    toast(`Template sender ran: ${templateSummary(answer.report)}`);
  } catch (error) {
    toast(`Template sender: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

// ---- the picker: which business number, and who you are ---------------------------------

const WALLET = 'wallet';

function offersWallet(business) {
  return (business.capabilities || []).includes(WALLET);
}

function businessById(id) {
  return state.info.business.find((b) => b.phone_number_id === id) || null;
}

function businessLabel(business) {
  const what = offersWallet(business) ? 'wallet' : 'payment links';
  return `+${business.display_number} · ${what} · ${business.currency}`;
}

/** The number a person writes to unless told otherwise: the wallet's for a wallet user. */
function defaultBusinessFor(person) {
  const business = state.info.business;
  if (person.wallet) return business.find(offersWallet) || business[0];
  if (person.guest) return businessById(state.pickBusiness) || business[0];
  return business.find((b) => !offersWallet(b)) || business[0];
}

function guest() {
  return { ...state.info.guest, name: 'Unregistered number', guest: true, merchants: [], locale: null };
}

function renderBusinessSelect() {
  const select = $('#business-select');
  select.replaceChildren(...state.info.business.map((b) =>
    el('option', { value: b.phone_number_id, text: businessLabel(b) })));
  state.pickBusiness = state.info.business[0]?.phone_number_id || null;
  select.value = state.pickBusiness || '';
  select.addEventListener('change', () => {
    state.pickBusiness = select.value;
    renderSellers();
  });
}

function personRow(person, badges, detail) {
  return el('li', {},
    el('button', {
      class: `seller${person.wallet ? ' wallet-user' : ''}`, type: 'button', 'data-phone': person.phone,
      onclick: () => { location.hash = `#/chat/${encodeURIComponent(person.phone)}/${encodeURIComponent(state.pickBusiness)}`; },
    },
    el('span', { class: 'avatar', style: `background:${person.guest ? '#7b8a91' : colourFor(person.name)}`, text: person.guest ? '?' : initials(person.name) }),
    el('span', { class: 'seller-main' },
      el('span', { class: 'seller-top' },
        el('span', { class: 'seller-name', text: person.name }),
        el('span', { class: 'seller-phone', text: person.masked })),
      el('span', { class: 'seller-bottom' }, ...badges,
        el('span', { class: 'seller-merchants', text: detail })))));
}

function renderSellers() {
  const list = $('#sellers');
  list.replaceChildren();
  const business = businessById(state.pickBusiness);
  const wallet = business && offersWallet(business);
  $('#pick-intro').textContent = wallet
    ? 'Chat with the wallet bot as one of the demo wallet users from the wallet file. Their SMS and MoMo prompts show beside the phone.'
    : 'Chat with the bot as one of the demo sellers from the directory file.';
  if (wallet) {
    for (const user of state.info.wallet_users) {
      const badges = [el('span', { class: 'badge', text: user.tier })];
      if (user.frozen) badges.push(el('span', { class: 'badge blocked', text: 'frozen' }));
      badges.push(user.linked
        ? el('span', { class: 'badge linked', text: 'linked' })
        : el('span', { class: 'badge unlinked', text: 'not linked' }));
      list.append(personRow({ ...user, wallet: true }, badges, `${user.id} · opened with ${user.opening_balance} ${user.currency}`));
    }
  } else {
    for (const person of state.info.sellers) {
      const merchants = person.merchants.map((m) => m.name).join(', ');
      const badges = [];
      if (person.locale) badges.push(el('span', { class: 'badge', text: person.locale }));
      if (person.blocked) badges.push(el('span', { class: 'badge blocked', text: 'blocked' }));
      if (person.merchants.length > 1) badges.push(el('span', { class: 'badge multi', text: `${person.merchants.length} merchants` }));
      list.append(personRow(person, badges, merchants || 'No merchant'));
    }
  }
  const stranger = guest();
  list.append(personRow(stranger, [], wallet ? 'Not in the wallet file: see what a stranger gets' : 'Not in the directory: see what a stranger gets'));
  if (!state.seller && business) {
    state.timeZone = business.time_zone || 'UTC';
    renderClock();
  }
  $('#pick-foot').textContent = business
    ? `Business number +${business.display_number} · phone_number_id ${business.phone_number_id} · ${business.time_zone}`
    : 'The directory has no business number.';
}

function personByPhone(phone) {
  if (state.info.guest.phone === phone) return guest();
  const seller = state.info.sellers.find((s) => s.phone === phone);
  if (seller) return seller;
  const user = state.info.wallet_users.find((u) => u.phone === phone);
  return user ? { ...user, wallet: true, merchants: [], locale: null } : null;
}

/** Reloads the directory's people (who is linked by now) for the picker. */
async function refreshInfo() {
  try {
    const info = await api('/_sim/info');
    state.info.wallet_users = info.wallet_users;
    if (!state.seller) renderSellers();
  } catch { /* the picker keeps what it showed */ }
}

// ---- the chat -------------------------------------------------------------------------------

function openChat(phone, businessId) {
  const seller = personByPhone(phone);
  if (!seller) { showPicker(); return; }
  state.seller = seller;
  state.business = (businessId && businessById(businessId)) || defaultBusinessFor(seller);
  state.timeZone = state.business.time_zone || 'UTC';
  state.after = 0;
  state.lastDay = null;
  state.entries.clear();
  state.generation += 1;
  if (state.abort) state.abort.abort();
  closeSheet();
  $('#chat').replaceChildren();
  $('#screen-pick').hidden = true;
  $('#screen-chat').hidden = false;
  $('#business-number').textContent = `+${state.business.display_number}`;
  const extra = seller.wallet ? ` · ${seller.id}` : seller.locale ? ` · ${seller.locale}` : '';
  $('#chat-sub').textContent = `you are ${seller.name} · ${seller.masked}${extra}`;
  renderChips(seller);
  showWalletPanels(seller.wallet && offersWallet(state.business));
  if (!state.info.sandboxes.whatsapp) {
    const notice = $('#notice');
    notice.hidden = false;
    notice.textContent = 'WHATSAPP_API_BASE points to another Cloud API: the bot\'s answers go there, not to this page.';
  }
  poll(state.generation);
  $('#composer-input').focus();
}

function showPicker() {
  state.seller = null;
  state.business = null;
  state.generation += 1;
  if (state.abort) state.abort.abort();
  closeSheet();
  showWalletPanels(false);
  refreshInfo();
  $('#screen-chat').hidden = true;
  $('#screen-pick').hidden = false;
}

/** A wallet user's local number (Ghana: 0 and nine digits), as people type it. */
function localNumber(user) {
  const country = state.business?.country_code || '';
  const digits = user.phone.replace(/^\+/, '');
  return country && digits.startsWith(country) ? `0${digits.slice(country.length)}` : user.phone;
}

function renderChips(seller) {
  if (seller.wallet) {
    const others = state.info.wallet_users.filter((u) => u.phone !== seller.phone && !u.frozen);
    const payee = others[0];
    const chips = ['HELP', 'LINK', 'BAL', 'TOPUP 100', 'YES', 'NO', 'STATEMENT'];
    if (payee) chips.splice(4, 0, `SEND 50 ${localNumber(payee)}`);
    $('#chips').replaceChildren(...chips.map((text) =>
      el('button', { class: 'chip', type: 'button', text, onclick: () => sendText(text) })));
    return;
  }
  const chips = ['help', 'pay 100', 'pay 12.50 "Cafea" #cafea'];
  if (seller.merchants.some((m) => m.rtp)) chips.push('/rtp 250 069123456');
  chips.push('/lang');
  if (seller.merchants.length > 1) chips.push('/merchant');
  $('#chips').replaceChildren(...chips.map((text) =>
    el('button', { class: 'chip', type: 'button', text, onclick: () => sendText(text) })));
}

async function poll(generation) {
  while (generation === state.generation) {
    const controller = new AbortController();
    state.abort = controller;
    try {
      const phone = encodeURIComponent(state.seller.phone);
      const business = encodeURIComponent(state.business.phone_number_id);
      const answer = await api(`/_sim/messages?phone=${phone}&business=${business}&after=${state.after}&wait=20`, { signal: controller.signal });
      if (generation !== state.generation) return;
      setClock(answer.clock);
      for (const entry of answer.entries) renderEntry(entry);
    } catch (error) {
      if (generation !== state.generation) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function scrollDown() {
  const chat = $('#chat');
  chat.scrollTop = chat.scrollHeight;
}

/** Adds to the conversation, above the typing indicator if it shows. */
function place(node) {
  const typing = $('#chat .typing');
  if (typing) typing.before(node); else $('#chat').append(node);
}

function dayDivider(ms) {
  const day = format(ms, { year: 'numeric', month: 'long', day: 'numeric' });
  if (day === state.lastDay) return;
  state.lastDay = day;
  place(el('div', { class: 'day', text: format(ms, { weekday: 'long', day: 'numeric', month: 'long' }) }));
}

function systemNote(text) {
  const note = el('div', { class: 'system', text });
  place(note);
  scrollDown();
  return note;
}

function meta(entry) {
  const time = format(Date.parse(entry.at), { hour: '2-digit', minute: '2-digit' });
  const node = el('span', { class: 'meta' }, time);
  if (entry.from_user) {
    const tick = el('span', { class: 'tick', text: '✓' });
    node.append(tick);
    applyTick(tick, state.ticks.get(entry.seq));
  }
  return node;
}

function applyTick(tick, status) {
  if (status === undefined) return;
  tick.classList.toggle('bad', status !== 200);
  tick.textContent = status === 200 ? '✓✓' : '!';
  tick.title = status === 200 ? 'The webhook answered 200' : `The webhook answered ${status}`;
}

function renderEntry(entry) {
  state.after = Math.max(state.after, entry.seq);
  if (state.entries.has(entry.wamid)) return;
  state.entries.set(entry.wamid, entry);
  dayDivider(Date.parse(entry.at));
  const node = entry.from_user ? userMessage(entry) : botMessage(entry);
  node.dataset.seq = entry.seq;
  node.dataset.wamid = entry.wamid;
  if (entry.from_user && entry.notification) showPayload(entry.notification);
  if (!entry.from_user) stopTyping();
  place(node);
  scrollDown();
  // A code SMS and a MoMo prompt come with the bot's answer: show them as the phone would.
  if (!entry.from_user && state.panelTimer) refreshPanels();
}

function userMessage(entry) {
  const body = entry.body || {};
  let content;
  if (body.type === 'text') {
    content = [el('div', { class: 'text' }, linkified(body.text.body))];
  } else if (body.type === 'interactive') {
    const reply = body.interactive.list_reply || body.interactive.button_reply || {};
    const quoted = body.context && state.entries.get(body.context.id);
    const quoteText = quoted ? (quoted.body.interactive?.body?.text || quoted.body.text?.body || '') : '';
    content = [
      quoteText ? el('div', { class: 'quote', text: quoteText }) : null,
      el('div', { class: 'text', text: reply.title || reply.id }),
    ];
  } else {
    content = [el('div', { class: 'text', text: `[${body.type}]` })];
  }
  return el('div', { class: 'msg user' }, content, meta(entry));
}

function botMessage(entry) {
  const body = entry.body || {};
  if (body.type === 'interactive' && body.interactive.type === 'list') return listMessage(entry);
  if (body.type === 'interactive' && body.interactive.type === 'button') return buttonMessage(entry);
  if (body.type === 'template') return templateMessage(entry);
  if (body.type === 'document') return documentMessage(entry);
  const text = body.text ? body.text.body : JSON.stringify(body);
  return el('div', { class: 'msg bot' }, el('div', { class: 'text' }, linkified(text)), meta(entry));
}

function listMessage(entry) {
  const interactive = entry.body.interactive;
  return el('div', { class: 'msg bot list' },
    interactive.header?.text ? el('div', { class: 'text', style: 'font-weight:600', text: interactive.header.text }) : null,
    el('div', { class: 'text' }, linkified(interactive.body.text)),
    interactive.footer?.text ? el('div', { class: 'text', style: 'color:#667781;font-size:13px', text: interactive.footer.text }) : null,
    meta(entry),
    el('button', { class: 'list-button', type: 'button', onclick: () => openSheet(entry) },
      el('span', { 'aria-hidden': 'true', text: '☰' }), interactive.action.button));
}

function buttonMessage(entry) {
  const interactive = entry.body.interactive;
  const buttons = interactive.action.buttons.map((b) =>
    el('button', {
      class: 'list-button', type: 'button', text: b.reply.title,
      onclick: () => send({ button_reply: { id: b.reply.id, title: b.reply.title }, context: entry.wamid }),
    }));
  return el('div', { class: 'msg bot list' }, el('div', { class: 'text' }, linkified(interactive.body.text)), meta(entry), buttons);
}

/** A document as the phone shows it: its file name (opening the uploaded file from the Cloud
 * API sandbox, when the stack embeds one) and its caption. */
function documentMessage(entry) {
  const document = entry.body.document;
  const filename = document.filename || 'document';
  const base = state.info.sandboxes.whatsapp;
  const href = document.id && base ? `${base}/_sandbox/media/${encodeURIComponent(document.id)}` : document.link;
  const name = href
    ? el('a', { class: 'doc-name', href, target: '_blank', rel: 'noopener', text: filename })
    : el('span', { class: 'doc-name', text: filename });
  return el('div', { class: 'msg bot document', 'data-filename': filename },
    el('div', { class: 'doc' }, el('span', { class: 'doc-icon', 'aria-hidden': 'true', text: 'PDF' }), name),
    document.caption ? el('div', { class: 'text' }, linkified(document.caption)) : null,
    meta(entry));
}

/** A template as the phone shows it: the approved text with the parameters filled in. */
function templateMessage(entry) {
  const template = entry.body.template;
  const parameters = (template.components || [])
    .filter((c) => c.type === 'body')
    .flatMap((c) => c.parameters || [])
    .map((p) => p.text);
  const definition = state.definitions.find((d) => d.name === template.name && d.language === template.language.code);
  const bodyText = definition?.components?.find((c) => c.type === 'BODY')?.text;
  const text = bodyText ? bodyText.replace(/\{\{(\d+)\}\}/g, (_, n) => parameters[Number(n) - 1] ?? `{{${n}}}`) : null;
  return el('div', { class: 'msg bot template', 'data-template': template.name },
    el('div', { class: 'template-tag', title: 'Sent as an approved template: the 24-hour window was closed', text: `Template · ${template.name} · ${template.language.code}` }),
    text
      ? el('div', { class: 'text' }, linkified(text))
      : el('ol', { class: 'params' }, parameters.map((p) => el('li', { text: p }))),
    meta(entry));
}

function startTyping() {
  stopTyping();
  $('#chat').append(el('div', { class: 'typing', 'aria-label': 'The bot is answering' }, el('span'), el('span'), el('span')));
  scrollDown();
  state.typingTimer = setTimeout(stopTyping, 8000);
}

function stopTyping() {
  clearTimeout(state.typingTimer);
  const typing = $('#chat .typing');
  if (typing) typing.remove();
}

function showPayload(notification) {
  try {
    // Pretty-printed for reading; what the webhook got is the compact, escaped original.
    $('#payload').textContent = `${notification}\n\n${JSON.stringify(JSON.parse(notification), null, 2)}`;
  } catch {
    $('#payload').textContent = notification;
  }
}

// ---- sending --------------------------------------------------------------------------------

async function send(message) {
  if (!state.seller) return;
  const generation = state.generation;
  startTyping();
  try {
    const body = { from: state.seller.phone, business_number_id: state.business.phone_number_id, ...message };
    const answer = await api('/_sim/send', { method: 'POST', body: JSON.stringify(body) });
    state.ticks.set(answer.seq, answer.webhook_status);
    const tick = $(`#chat [data-seq="${answer.seq}"] .tick`);
    if (tick) applyTick(tick, answer.webhook_status);
    if (answer.webhook_status !== 200) {
      stopTyping();
      toast(`The webhook answered ${answer.webhook_status}`, true);
    }
  } catch (error) {
    if (generation === state.generation) stopTyping();
    toast(`Not sent: ${error.message}`, true);
  }
}

function sendText(text) {
  const trimmed = text.trim();
  if (trimmed) send({ text: trimmed });
}

// ---- the wallet user's phone: SMS inbox and MoMo prompts ------------------------------------

/** The MoMo sandbox's control API on this page's origin (the info names it absolutely). */
function momoBase() {
  const base = state.info.sandboxes.momo;
  return base ? new URL(base).pathname.replace(/\/+$/, '') : null;
}

function showWalletPanels(on) {
  clearInterval(state.panelTimer);
  state.panelTimer = null;
  $('#wallet-panels').hidden = !on;
  $('#head-tools').hidden = !on;
  $('#tries-wallet').hidden = !on;
  $('#tries-seller').hidden = on;
  $('#flow-rail').textContent = on ? 'ledger, SMS, MoMo' : 'miaPOS';
  if (!on) return;
  $('#sms-phone').textContent = `To ${state.seller.masked}, ${state.seller.name}'s registered phone.`;
  for (const list of [$('#sms-list'), $('#momo-list')]) {
    list.replaceChildren();
    delete list.dataset.count;
    delete list.dataset.signature;
  }
  state.panelTimer = setInterval(refreshPanels, 3000);
  refreshPanels();
}

async function refreshPanels() {
  const user = state.seller;
  if (!user || !user.wallet) return;
  const generation = state.generation;
  const [sms, momo] = await Promise.allSettled([
    api(`/_sim/sms?phone=${encodeURIComponent(user.phone)}`),
    momoBase() ? api(`${momoBase()}/_sandbox/requests?kind=requesttopay`) : Promise.resolve(null),
  ]);
  if (generation !== state.generation) return;
  if (sms.status === 'fulfilled') renderSms(sms.value.sms);
  if (momo.status === 'fulfilled') renderMomo(momo.value, user);
}

function renderSms(messages) {
  const list = $('#sms-list');
  if (list.dataset.count === String(messages.length) && messages.length) return;
  list.dataset.count = String(messages.length);
  const count = $('#sms-count');
  count.hidden = messages.length === 0;
  count.textContent = String(messages.length);
  if (!messages.length) {
    list.replaceChildren(el('li', { class: 'empty', text: 'No SMS yet. Type LINK in the chat to get a code.' }));
    return;
  }
  // Newest first, as a phone's inbox.
  list.replaceChildren(...[...messages].reverse().map((sms) => {
    const code = (sms.text.match(/\b(\d{6})\b/) || [])[1];
    return el('li', { class: 'sms', 'data-id': sms.id },
      el('div', { class: 'sms-meta', text: format(Date.parse(sms.at), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) }),
      el('div', { class: 'sms-text', text: sms.text }),
      code ? el('button', {
        class: 'panel-button', type: 'button', text: `Type ${code} in the chat`,
        onclick: () => { $('#composer-input').value = code; $('#composer-input').focus(); },
      }) : null);
  }));
}

function renderMomo(requests, user) {
  const list = $('#momo-list');
  if (!requests) {
    list.replaceChildren(el('li', { class: 'empty', text: 'MOMO_BASE_URL is set: approve on that MoMo\'s side.' }));
    return;
  }
  const party = user.phone.replace(/^\+/, '');
  const mine = requests.filter((r) => r.partyId === party);
  const pending = mine.filter((r) => r.status === 'PENDING');
  const settled = mine.filter((r) => r.status !== 'PENDING').reverse().slice(0, 3);
  const count = $('#momo-count');
  count.hidden = pending.length === 0;
  count.textContent = String(pending.length);
  const signature = JSON.stringify(mine.map((r) => [r.reference, r.status]));
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  const rows = [];
  for (const request of pending) {
    rows.push(el('li', { class: 'momo-request pending', 'data-reference': request.reference },
      el('div', { class: 'momo-amount', text: `${request.amount} ${request.currency}` }),
      el('div', { class: 'momo-what', text: request.payerMessage || 'Payment request' }),
      el('div', { class: 'momo-actions' },
        el('button', { class: 'panel-button approve', type: 'button', text: 'Approve', onclick: (e) => decide(request, 'approve', e.target) }),
        el('button', { class: 'panel-button reject', type: 'button', text: 'Reject', onclick: (e) => decide(request, 'reject', e.target) }))));
  }
  if (!pending.length) rows.push(el('li', { class: 'empty', text: 'Nothing to approve. TOPUP 100 and YES in the chat ask for one.' }));
  for (const request of settled) {
    const ok = request.status === 'SUCCESSFUL';
    rows.push(el('li', { class: `momo-request settled ${ok ? 'ok' : 'bad'}`, 'data-reference': request.reference },
      el('div', { class: 'momo-amount', text: `${request.amount} ${request.currency}` }),
      el('div', { class: 'momo-status', text: ok ? 'Approved' : `Not paid${request.reason ? ` (${request.reason})` : ''}` })));
  }
  list.replaceChildren(...rows);
}

async function decide(request, action, button) {
  for (const b of button.parentElement.querySelectorAll('button')) b.disabled = true;
  try {
    await api(`${momoBase()}/_sandbox/requests/${encodeURIComponent(request.reference)}/${action}`, { method: 'POST', body: '{}' });
    toast(action === 'approve' ? `Approved ${request.amount} ${request.currency} on MoMo` : 'Rejected on MoMo');
    startTyping();
  } catch (error) {
    toast(`MoMo: ${error.message}`, true);
  }
  refreshPanels();
}

function jumpTo(id) {
  const panel = $(id);
  panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
  panel.classList.remove('flash');
  void panel.offsetWidth;
  panel.classList.add('flash');
}

// ---- the list sheet -------------------------------------------------------------------------

function openSheet(entry) {
  const action = entry.body.interactive.action;
  state.list = entry;
  $('#sheet-title').textContent = action.button;
  const body = $('#sheet-body');
  body.replaceChildren();
  action.sections.forEach((section, s) => {
    if (section.title) body.append(el('div', { class: 'sheet-section', text: section.title }));
    section.rows.forEach((row, r) => {
      const id = `row-${s}-${r}`;
      body.append(el('label', { class: 'row', for: id },
        el('span', { class: 'row-text' },
          el('div', { class: 'row-title', text: row.title }),
          row.description ? el('div', { class: 'row-description', text: row.description }) : null),
        el('input', {
          type: 'radio', name: 'row', id, value: row.id, 'data-title': row.title,
          'data-description': row.description || '', onchange: () => { $('#sheet-send').disabled = false; },
        })));
    });
  });
  $('#sheet-send').disabled = true;
  $('#sheet-backdrop').hidden = false;
  $('#sheet').hidden = false;
}

function closeSheet() {
  state.list = null;
  $('#sheet').hidden = true;
  $('#sheet-backdrop').hidden = true;
}

function submitSheet(event) {
  event.preventDefault();
  const chosen = $('#sheet-body input:checked');
  if (!chosen || !state.list) return;
  const reply = { id: chosen.value, title: chosen.dataset.title };
  if (chosen.dataset.description) reply.description = chosen.dataset.description;
  const context = state.list.wamid;
  closeSheet();
  send({ list_reply: reply, context });
}

// ---- start ----------------------------------------------------------------------------------

function route() {
  const match = location.hash.match(/^#\/chat\/([^/]+)(?:\/([^/]+))?$/);
  if (match) openChat(decodeURIComponent(match[1]), match[2] && decodeURIComponent(match[2]));
  else showPicker();
}

async function start() {
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('#composer-input');
    sendText(input.value);
    input.value = '';
  });
  $('#back').addEventListener('click', () => { location.hash = ''; });
  $('#to-sms').addEventListener('click', () => jumpTo('#sms-panel'));
  $('#to-momo').addEventListener('click', () => jumpTo('#momo-panel'));
  $('#clock-forward').addEventListener('click', moveClock);
  $('#run-templates').addEventListener('click', runTemplates);
  $('#sheet-close').addEventListener('click', closeSheet);
  $('#sheet-backdrop').addEventListener('click', closeSheet);
  $('#sheet-form').addEventListener('submit', submitSheet);
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeSheet(); });

  try {
    state.info = await api('/_sim/info');
  } catch (error) {
    toast(`The local stack does not answer: ${error.message}`, true);
    return;
  }
  state.timeZone = state.info.business[0]?.time_zone || 'UTC';
  setClock(state.info.clock);
  setInterval(renderClock, 1000);
  renderBusinessSelect();
  renderSellers();
  const links = $('#sandbox-links');
  const { whatsapp, miapos, momo } = state.info.sandboxes;
  links.append(
    el('li', {}, 'Cloud API: ', whatsapp
      ? el('a', { href: `${whatsapp}/_sandbox/messages`, target: '_blank', rel: 'noopener', text: 'recorded sends (JSON)' })
      : 'not used (WHATSAPP_API_BASE is set)'),
    el('li', {}, 'miaPOS: ', miapos ? el('code', { text: miapos }) : 'not used (MIAPOS_BASE_URL is set)'),
    el('li', {}, 'MoMo: ', momo
      ? el('a', { href: '/momo/approvals', target: '_blank', rel: 'noopener', text: 'approvals' })
      : 'not used (MOMO_BASE_URL is set)'));
  try { state.definitions = await api('/_sim/template-definitions'); } catch { state.definitions = []; }
  window.addEventListener('hashchange', route);
  route();
  document.body.dataset.ready = 'true';
}

start();
