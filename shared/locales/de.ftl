# German chat copy. Same ids and variables as en.ftl (see the conventions there).
# "Sie": the sellers are businesses and this is their bank's channel.

language-name = Deutsch

## Onboarding and help

welcome =
    { $has_name ->
        [yes] Hallo { $name }! 👋
       *[no] Hallo! 👋
    }
    Senden Sie mir einen Betrag, und ich erstelle einen Zahlungslink, zum Beispiel: pay 100 "Kaffee" #cafe
    Mit help sehen Sie alle Befehle.

help =
    Das verstehe ich:
    • pay <Betrag> ["Beschreibung"] [#Tag] — ein Zahlungslink; Beschreibung und Tag sind optional
      z. B.: pay 100 "Kaffee und Croissant" #cafe
    • nur der Betrag — dasselbe, z. B.: 100
    • /rtp <Betrag> <Telefon des Zahlers> ["Beschreibung"] [#Tag] — eine Zahlungsanforderung an das Telefon des Zahlers
      z. B.: /rtp 250 069123456 "Abendessen" #tisch5
    • /lang — Sprache ändern, z. B.: /lang{ $multi_merchant ->
        [yes] {"\u000A"}• /merchant — den Händler wählen, der Ihre Zahlungen erhält, z. B.: /merchant
       *[no] {""}
    }
    • help — diese Liste

unknown-seller =
    Diese Nummer ist leider nicht als Verkäufer registriert, daher kann ich keine Zahlungslinks dafür erstellen.
    Bitten Sie Ihre Bank oder Ihren Zahlungspartner, sie zu registrieren.

seller-blocked = Zahlungslinks sind für diese Nummer gesperrt. Bitte wenden Sie sich an Ihre Bank.

## Payment links

link-created =
    Zahlungslink über { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }“
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }:
    { $url }
    Senden Sie ihn an den Zahler — ich melde mich, sobald bezahlt ist.

rtp-sent =
    Zahlungsanforderung über { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }“
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    } an { $payer } gesendet.
    Der Zahler kann auch über diesen Link bezahlen:
    { $url }
    Ich melde mich, sobald bezahlt ist.

link-failed = Der Zahlungslink konnte gerade nicht erstellt werden. Es wurde nichts belastet — bitte versuchen Sie es in einer Minute erneut.

link-not-configured =
    Dieser Händler ist für diese Zahlungsart nicht eingerichtet (zum Beispiel ist die Zahlungsanforderung nicht aktiviert).
    Bitte wenden Sie sich an Ihre Bank.

## Refusals: each says what was wrong and shows a message that works

error-empty = Ihre Nachricht enthält keinen Text. Senden Sie mir einen Betrag für einen Zahlungslink, zum Beispiel: pay 100

error-unknown-command =
    { $has_suggestion ->
        [yes] Diesen Befehl kenne ich nicht. Meinten Sie { $suggestion }?
       *[no] Diesen Befehl kenne ich nicht.
    }
    Mit help sehen Sie alle Befehle. Zum Beispiel erstellt pay 100 einen Zahlungslink.

error-amount-missing = Bitte geben Sie einen Betrag an, zum Beispiel: pay 100

error-amount-invalid = „{ $input }“ ist kein gültiger Betrag. Schreiben Sie ihn in Ziffern, zum Beispiel: pay 150 oder pay 12.50

error-amount-not-positive = Der Betrag muss größer als null sein, zum Beispiel: pay 100

error-amount-decimals = Der Betrag darf höchstens zwei Nachkommastellen haben, zum Beispiel: pay 12.50

error-amount-above-cap = Das liegt über dem Limit von { $cap } pro Zahlungslink. Versuchen Sie einen kleineren Betrag, zum Beispiel: pay 100

error-currency = Beträge sind hier nur in { $currency } möglich. Senden Sie einfach die Zahl, zum Beispiel: pay 100

error-description-too-long = Die Beschreibung ist zu lang — höchstens { $max } Zeichen. Kürzen Sie sie, zum Beispiel: pay 100 "Kaffee"

error-tag-invalid =
    Ein Tag ist # gefolgt von höchstens { $max } { NUMBER($max) ->
        [one] Buchstaben oder Ziffer
       *[other] Buchstaben oder Ziffern
    } ohne Leerzeichen, zum Beispiel: pay 100 #cafe

error-payer-missing = Geben Sie nach dem Betrag die Telefonnummer des Zahlers an, zum Beispiel: /rtp 100 069123456

error-payer-phone = Das sieht nicht nach einer Telefonnummer aus. Schreiben Sie sie so: /rtp 100 069123456

error-internal = Entschuldigung, bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal.

## Language picker (button ≤ 20 characters, section ≤ 24: WhatsApp list limits)

lang-prompt = Wählen Sie Ihre Sprache:
lang-button = Sprache wählen
lang-section = Sprachen
lang-changed = Erledigt! Ab jetzt schreibe ich auf Deutsch.

## Merchant picker (same limits)

merchant-prompt = Wählen Sie den Händler, der Ihre Zahlungen erhält:
merchant-button = Händler wählen
merchant-section = Händler
merchant-selected = Erledigt — Zahlungen gehen jetzt an { $name }.
merchant-none = Mit dieser Nummer ist noch kein Händler verknüpft. Bitte wenden Sie sich an Ihre Bank.

## Payment status updates

payment-paid =
    ✅ Zahlung erhalten: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }“
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }{ $has_bank ->
        [yes] {"\u000A"}Bank des Zahlers: { $bank }
       *[no] {""}
    }

payment-failed =
    ❌ Zahlung fehlgeschlagen: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }“
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Senden Sie den Betrag erneut, um einen neuen Link zu erstellen.

payment-declined =
    Der Zahler hat die Zahlung abgelehnt: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }“
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Senden Sie den Betrag erneut, wenn Sie einen neuen Link möchten.

payment-expired =
    ⌛ Der Link ist unbezahlt abgelaufen: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }“
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Senden Sie den Betrag erneut, um einen neuen zu erstellen.

# The header of a list of updates; the caller appends the list.
payment-digest =
    { NUMBER($count) ->
        [one] Neuigkeiten zu { $count } Zahlung:
       *[other] Neuigkeiten zu { $count } Zahlungen:
    }

## Template parameters (one line each: Meta refuses newlines and tabs in parameters)

template-status-success = bezahlt
template-status-failed = fehlgeschlagen
template-status-declined = vom Zahler abgelehnt
template-status-expired = unbezahlt abgelaufen
template-no-description = —

## Die Steuerung des Betreibers: Pause des Bots und Übergabe an einen Menschen (jede Nummer)

bot-paused = Der Assistent ist gerade pausiert. Ihre Nachricht ist angekommen; bitte schreiben Sie etwas später noch einmal.
handoff-opened = Eine Person aus unserem Team antwortet Ihnen hier in Kürze. Bis dahin schweige ich; Ihre Nachrichten erreichen sie.
