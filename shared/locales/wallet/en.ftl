# English copy of the wallet capability (the reference for ro, ru, fr, de: same ids and
# variables). $amount, $fee, $total, $balance, $limit, $left arrive formatted; $payee and
# $number arrive masked; $frozen, $has_* and $linked are "yes" / "no".

## Help and linking

wallet-help-unlinked =
    Welcome to your wallet on WhatsApp 👋
    To start, link this number to your wallet account:
    • LINK — if this is the phone your account was opened with
    • LINK <account phone or id> — e.g. LINK 0244123456
    We'll send a 6-digit code by SMS to the account's registered phone; type it here.
    • HELP — this message
wallet-help =
    Here's what you can do:
    • BAL — your balance
    • SEND <amount> <phone> [note] — send money, e.g. SEND 50 0244123456 lunch
    • STATEMENT — your last 10 movements
    • STATEMENT PDF [month] — a month's statement as a PDF, e.g. STATEMENT PDF 2026-11
    • TOPUP <amount> [MoMo number] — add money from MTN MoMo, e.g. TOPUP 100
    • SCORE — your credit score
    • BNPL — buy now, pay later: BNPL 300 0244123456; BNPL PAY repays early
    • SUSU — your savings groups; SUSU JOIN <code>, SUSU PAY
    • POINTS — your loyalty points; POINTS REDEEM <n>
    • UNLINK — unlink this WhatsApp number
    • LANG — change the language
    Every payment asks for your YES first.
wallet-not-linked = This WhatsApp number isn't linked to a wallet yet. Type LINK to link it, or HELP.
wallet-already-linked = This WhatsApp number is already linked to a wallet. Type UNLINK first to link another account.
wallet-unlinked = Done: this WhatsApp number is no longer linked to your wallet. Type LINK to link it again.
wallet-link-code-sent = If an account matches, we've sent a 6-digit code by SMS to its registered phone. Type the code here within { $minutes } minutes.
wallet-code-rate-limited = Too many code requests from this number. Please try again in an hour.
wallet-code-wrong =
    That code isn't right. { $attempts ->
        [one] 1 attempt left.
       *[other] { $attempts } attempts left.
    }
wallet-code-expired = That code has expired. Type LINK for a new one.
wallet-code-spent = That code can't be used any more. Type LINK for a new one.
wallet-no-code-waiting = No code is waiting to be typed. Type LINK to get one.
wallet-linked =
    Linked ✅ Welcome, { $name }!{ $frozen ->
        [yes] {"\u000A"}Your account is frozen for now: you can look at it, but money can't move. Please contact support.
       *[no] {""}
    }
    Type BAL for your balance or HELP to see everything you can do.
wallet-session-code-sent = For your security, type the 6-digit code we've just sent by SMS to your registered phone (valid { $minutes } minutes). Then we'll continue.
wallet-session-renewed = Thanks, you're verified. Go ahead.
wallet-sms-link = Your wallet code is { $code }. It links WhatsApp to your account and expires in { $minutes } minutes. Never share it.
wallet-sms-session = Your wallet code is { $code }. It confirms a payment from WhatsApp and expires in { $minutes } minutes. Never share it.

## Balance and statement

wallet-balance = Your balance: { $amount }
wallet-statement-empty = No movements yet. Type TOPUP 50 to add money from MoMo.
wallet-statement-header = Your last { $count } movements, newest first:
wallet-statement-line =
    { $date } { $amount } { $what }{ $has_note ->
        [yes] {" "}· { $note }
       *[no] {""}
    } → { $balance }
wallet-kind-opening = opening balance
wallet-kind-sent = sent
wallet-kind-received = received
wallet-kind-topup = MoMo top-up
wallet-kind-payout = to MoMo
wallet-kind-payout-return = MoMo payout returned

## Money movements

wallet-confirm-send =
    Send { $amount } to { $payee }?
    Fee: { $fee } · Total: { $total }
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
wallet-confirm-payout =
    Send { $amount } to the MoMo number { $payee }?
    Fee: { $fee } · Total: { $total }
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
wallet-confirm-topup =
    Top up { $amount } from the MoMo number { $payee }?
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
wallet-replaced = Your earlier request ({ $amount } to { $payee }) is cancelled; the new one replaces it.
wallet-nothing-pending = There's nothing waiting for your YES. Send a command first, e.g. SEND 50 0244123456.
wallet-confirm-expired = That confirmation has expired and nothing was sent. Please send the command again.
wallet-cancelled = Cancelled. Nothing was sent.
wallet-sent = Sent ✅ { $amount } to { $payee } (fee { $fee }). Your balance: { $balance }. Ref { $reference }
wallet-topup-started = Approve the payment of { $amount } on your MoMo phone ({ $number }) to top up. We'll tell you when it arrives.
wallet-payout-started = We're sending { $amount } to the MoMo number { $number }. We'll tell you when it's done.
wallet-momo-refused =
    { $topup ->
        [yes] MoMo refused the top-up: { $reason }.
       *[no] MoMo refused the payment: { $reason }. Nothing left your wallet.
    }

## Refusals

wallet-refused-frozen = Your account is frozen, so money can't move. Please contact support.
wallet-refused-no-tier = Your account can't move money yet (no limits are set for it). Please contact support.
wallet-refused-amount = That amount can't be used. Write it with at most 2 decimals, e.g. SEND 50.25 0244123456.
wallet-refused-self = You can't send money to yourself.
wallet-refused-transfer-limit = That's above your limit of { $limit } per transfer.
wallet-refused-daily-limit = That would pass your daily limit of { $limit }. Left for today: { $left }.
wallet-refused-funds = Not enough money: you need { $total } (fee { $fee } included) and your balance is { $balance }.
wallet-refused-blocked = We've stopped this payment to keep your money safe. Our team will check it; if it was you, please contact support.

## Notices (also the wallet_update template's words)

wallet-received =
    You received { $amount } from { $name } ✅{ $has_note ->
        [yes] {" "}Note: { $note }
       *[no] {""}
    }
wallet-topup-done = Your top-up of { $amount } has arrived ✅ Type BAL for your balance.
wallet-topup-failed = Your top-up of { $amount } didn't go through: { $reason }.
wallet-payout-done = { $amount } has reached the MoMo number { $number } ✅
wallet-payout-failed = Sending { $amount } to { $number } failed: { $reason }. The money is back in your wallet.
wallet-event-received = money received
wallet-event-topup = top-up arrived
wallet-event-topup-failed = top-up failed
wallet-event-payout = MoMo payment sent
wallet-event-payout-failed = MoMo payment failed, money returned
wallet-reason-rejected = it was declined on the phone
wallet-reason-expired = it wasn't approved in time
wallet-reason-funds = not enough money on the MoMo account
wallet-reason-not-found = that number has no MoMo account
wallet-reason-other = MoMo couldn't complete it

## What the bot did not understand

wallet-unknown =
    Sorry, I didn't understand that.{ $has_suggestion ->
        [yes] {" "}Did you mean { $suggestion }?
       *[no] {""}
    } Type HELP to see what you can do.
wallet-amount-missing = Write the amount after { $command }, e.g. { $example }
wallet-amount-invalid = “{ $written }” isn't an amount. Write digits, e.g. { $example }
wallet-amount-decimals = An amount has at most 2 decimals, e.g. { $example }
wallet-amount-not-positive = The amount must be more than zero, e.g. { $example }
wallet-payee-missing = Write the phone number to send to, e.g. { $example }
wallet-payee-invalid = “{ $written }” isn't a phone number. Write it like 0244123456 or +233244123456, e.g. { $example }

## Statement PDF
# STATEMENT PDF [<month>]: the document, its caption and file name. $month is 1-12 (the
# month's name is chosen by number), $closing arrives formatted.

wallet-pdf-title = Account statement
wallet-pdf-month = { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $year }
wallet-pdf-holder = Account holder: { $name }
wallet-pdf-account = Account: { $account }
wallet-pdf-currency = Currency: { $currency }
wallet-pdf-period = Period: { $from } – { $to }
wallet-pdf-col-date = Date
wallet-pdf-col-description = Description
wallet-pdf-col-amount = Amount
wallet-pdf-col-balance = Balance
wallet-pdf-opening = Opening balance
wallet-pdf-closing = Closing balance
wallet-pdf-no-movements = No movements in this period.
wallet-pdf-truncated = Only the last { $count } movements of the period are shown.
wallet-pdf-generated = Generated on { $at } ({ $zone })
wallet-pdf-filename = statement-{ $period }.pdf
wallet-pdf-caption = Your statement for { $period }: { $count ->
        [one] 1 movement
       *[other] { $count } movements
    }, closing balance { $closing }.
wallet-pdf-future = There's no statement for { $period } yet. Type STATEMENT PDF for this month so far.
wallet-pdf-unavailable = Your PDF statement can't be made right now. Please try again later, or type STATEMENT to see your last movements here.
wallet-pdf-period-invalid = “{ $written }” isn't a month. Write it like STATEMENT PDF 2026-11.
## Susu (rotating savings) and loyalty points

wallet-kind-susu-contribution = susu contribution
wallet-kind-susu-payout = susu payout
wallet-kind-points-credit = points redeemed
wallet-confirm-susu =
    Pay { $amount } into the susu group { $payee }?
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
wallet-confirm-redeem =
    Redeem your points for { $amount } of wallet credit?
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
susu-none = You're not in a susu group yet. Join one with SUSU JOIN <code>.
susu-summary =
    Your susu groups:
    { $lines }
susu-group-not-started = { $group } ({ $code }): { $amount } per cycle, { $members } of { $seats } members, not started yet.
susu-group-finished = { $group } ({ $code }): every cycle is done.
susu-group-cycle =
    { $group } ({ $code }): cycle { $cycle } of { $cycles }, { $amount } each, until { $ends }.
    Paid: { $paid } of { $members }. { $my_turn ->
        [yes] It's your turn to receive the pot.
       *[no] It's { $turn }'s turn to receive the pot.
    } { $paid_out ->
        [yes] The pot has been paid out.
       *[no] { $mine_paid ->
            [yes] You've paid this cycle.
           *[no] You haven't paid yet: SUSU PAY.
        }
    }
susu-joined = You joined { $group } (seat { $seat } of { $seats }). Each cycle's contribution is { $amount }.
susu-already-member = You're already a member of { $group }.
susu-full = { $group } has no free seat.
susu-no-such-group = There's no susu group with the code { $code }.
susu-nothing-due = Nothing to pay: you've paid every current cycle of your groups.
susu-not-started = { $group } hasn't started yet.
susu-waiting-members = { $group } is waiting for { $left } more members.
susu-already-paid = You've already paid this cycle of { $group }.
susu-cycle-over = That cycle is over: nothing was paid. Write SUSU to see the current one.
susu-paid = Paid ✅ { $amount } into { $group }. { $paid } of { $members } members have paid this cycle.
susu-payout-notice = { $mine ->
        [yes] The { $group } pot of { $amount } is yours this cycle ✅ It's in your wallet.
       *[no] The { $group } pot of { $amount } went to { $name } this cycle.
    }
susu-event-payout = susu pot paid out
points-summary = You have { $points } points (worth { $worth }). { $has_lines ->
        [yes] Last earned:
            { $lines }
       *[no] Earn points with every SEND and TOPUP.
    }
points-line = { $date }  +{ $points } for { $source }
points-source-send = a transfer
points-source-topup = a top-up
points-refused-over = You can't redeem { $asked } points: you have { $points }.
points-redeemed = Redeemed ✅ { $asked } points for { $amount }. Your balance: { $balance }. Points left: { $points }.
