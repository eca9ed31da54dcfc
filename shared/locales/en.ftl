# English chat copy of the payments bot; the reference locale: every other file has exactly
# these message ids and variables (the tests in shared/src/i18n enforce it).
#
# Conventions:
# - $amount, $cap arrive formatted (format_amount); $payer arrives masked; $tag without "#".
# - $has_* and $multi_merchant are "yes" / "no" and switch optional parts.
# - Examples of what to type use straight quotes (that is what the parser reads); text that
#   quotes the seller back uses the locale's typographic quotes.
# - {"\u000A"} starts a new line inside a selector variant (Fluent trims variant edges).

language-name = English

## Onboarding and help

welcome =
    { $has_name ->
        [yes] Hi { $name }! 👋
       *[no] Hi! 👋
    }
    Send me an amount and I'll make a payment link, for example: pay 100 "Coffee" #cafe
    Type help to see all commands.

help =
    Here's what I understand:
    • pay <amount> ["description"] [#tag] — a payment link; description and tag are optional
      e.g. pay 100 "Coffee and croissant" #cafe
    • just the amount — the same, e.g. 100
    • /rtp <amount> <payer's phone> ["description"] [#tag] — a request to pay sent to the payer's phone
      e.g. /rtp 250 069123456 "Dinner" #table5
    • /lang — change the language, e.g. /lang{ $multi_merchant ->
        [yes] {"\u000A"}• /merchant — choose the merchant who receives your payments, e.g. /merchant
       *[no] {""}
    }
    • help — this list

unknown-seller =
    Sorry, this number isn't registered as a seller, so I can't create payment links for it.
    Please ask your bank or payment partner to register it.

seller-blocked = Payment links are blocked for this number. Please contact your bank.

## Payment links

link-created =
    Payment link for { $amount }{ $has_description ->
        [yes] {" "}— “{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }:
    { $url }
    Share it with the payer — I'll let you know when it's paid.

rtp-sent =
    Request to pay { $amount }{ $has_description ->
        [yes] {" "}— “{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    } sent to { $payer }.
    The payer can also pay with this link:
    { $url }
    I'll let you know when it's paid.

link-failed = I couldn't create the payment link right now. Nothing was charged — please try again in a minute.

link-not-configured =
    This merchant isn't set up for this kind of payment (for example, request to pay isn't enabled).
    Please contact your bank.

## Refusals: each says what was wrong and shows a message that works

error-empty = Your message has no text. Send me an amount to get a payment link, for example: pay 100

error-unknown-command =
    { $has_suggestion ->
        [yes] I don't know that command. Did you mean { $suggestion }?
       *[no] I don't know that command.
    }
    Type help to see all commands. For example, pay 100 makes a payment link.

error-amount-missing = Please add an amount, for example: pay 100

error-amount-invalid = “{ $input }” isn't an amount I understand. Write it in digits, for example: pay 150 or pay 12.50

error-amount-not-positive = The amount must be more than zero, for example: pay 100

error-amount-decimals = The amount can have at most two decimal places, for example: pay 12.50

error-amount-above-cap = That's above the { $cap } limit for one payment link. Try a smaller amount, for example: pay 100

error-currency = Amounts here are in { $currency } only. Just send the number, for example: pay 100

error-description-too-long =
    The description is too long — at most { $max } { NUMBER($max) ->
        [one] character
       *[other] characters
    }. Keep it short, for example: pay 100 "Coffee"

error-tag-invalid = A tag is # followed by up to { $max } letters or digits, without spaces, for example: pay 100 #cafe

error-payer-missing = Add the payer's phone number after the amount, for example: /rtp 100 069123456

error-payer-phone = That doesn't look like a phone number. Write it like this: /rtp 100 069123456

error-internal = Sorry, something went wrong on our side. Please try again in a moment.

## Language picker (button ≤ 20 characters, section ≤ 24: WhatsApp list limits)

lang-prompt = Choose your language:
lang-button = Choose language
lang-section = Languages
lang-changed = Done! From now on I'll write in English.

## Merchant picker (same limits)

merchant-prompt = Choose the merchant who receives your payments:
merchant-button = Choose merchant
merchant-section = Merchants
merchant-selected = Done — payments now go to { $name }.
merchant-none = No merchant is linked to this number yet. Please contact your bank.

## Payment status updates

payment-paid =
    ✅ Payment received: { $amount }{ $has_description ->
        [yes] {" "}— “{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }{ $has_bank ->
        [yes] {"\u000A"}Payer's bank: { $bank }
       *[no] {""}
    }

payment-failed =
    ❌ Payment failed: { $amount }{ $has_description ->
        [yes] {" "}— “{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Send the amount again to create a new link.

payment-declined =
    The payer declined the payment: { $amount }{ $has_description ->
        [yes] {" "}— “{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Send the amount again if you want a new link.

payment-expired =
    ⌛ The link expired unpaid: { $amount }{ $has_description ->
        [yes] {" "}— “{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Send the amount again to create a new one.

# The header of a list of updates; the caller appends the list.
payment-digest =
    { NUMBER($count) ->
        [one] Update on { $count } payment:
       *[other] Updates on { $count } payments:
    }

## Template parameters (one line each: Meta refuses newlines and tabs in parameters)

template-status-success = paid
template-status-failed = failed
template-status-declined = declined by the payer
template-status-expired = expired unpaid
template-no-description = —

## The operator's controls: the bot switch and the human handoff (every business number)

bot-paused = The assistant is paused for a moment. Your message has been received; please write again a little later.
handoff-opened = A person from our team will answer you here shortly. Until then I'll stay quiet; your messages reach them.
