# German copy of the wallet capability. Same ids and variables as en.ftl (see the conventions
# there). "Sie", as in the seller copy and as banks write; "das Wallet", "Guthaben" for the
# balance. Commands stay as the bot reads them in every language (BAL, SEND, YES…); JA / NEIN
# are accepted too, hence "YES (JA)". $attempts arrives as text, so the *[other] variant reads
# right with any number.

## Help and linking

wallet-help-unlinked =
    Willkommen bei Ihrem Wallet auf WhatsApp 👋
    Verknüpfen Sie zuerst diese Nummer mit Ihrem Wallet-Konto:
    • LINK — wenn Ihr Konto mit diesem Telefon eröffnet wurde
    • LINK <Telefon oder ID des Kontos> — z. B.: LINK 0244123456
    Wir senden einen 6-stelligen Code per SMS an das hinterlegte Telefon des Kontos; geben Sie ihn hier ein.
    • HELP — diese Nachricht
wallet-help =
    Das können Sie tun:
    • BAL — Ihr Guthaben
    • SEND <Betrag> <Telefon> [Notiz] — Geld senden, z. B.: SEND 50 0244123456 Mittagessen
    • STATEMENT — Ihre letzten 10 Umsätze
    • STATEMENT PDF [Monat] — der Kontoauszug eines Monats als PDF, z. B. STATEMENT PDF 2026-11
    • TOPUP <Betrag> [MoMo-Nummer] — Geld von MTN MoMo aufladen, z. B.: TOPUP 100
    • SCORE — Ihr Kredit-Score
    • BNPL — jetzt kaufen, später zahlen: BNPL 300 0244123456; BNPL PAY zahlt vorzeitig zurück
    • SUSU — Ihre Spargruppen; SUSU JOIN <Code>, SUSU PAY
    • POINTS — Ihre Treuepunkte; POINTS REDEEM <n>
    • UNLINK — die Verknüpfung dieser WhatsApp-Nummer aufheben
    • LANG — Sprache ändern
    Jede Zahlung wartet zuerst auf Ihr YES (JA).
wallet-not-linked = Diese WhatsApp-Nummer ist noch mit keinem Wallet verknüpft. Schreiben Sie LINK, um sie zu verknüpfen, oder HELP.
wallet-already-linked = Diese WhatsApp-Nummer ist bereits mit einem Wallet verknüpft. Um ein anderes Konto zu verknüpfen, schreiben Sie zuerst UNLINK.
wallet-unlinked = Erledigt: Diese WhatsApp-Nummer ist nicht mehr mit Ihrem Wallet verknüpft. Schreiben Sie LINK, um sie wieder zu verknüpfen.
wallet-link-code-sent = Falls ein Konto passt, haben wir einen 6-stelligen Code per SMS an das dort hinterlegte Telefon gesendet. Geben Sie den Code innerhalb von { $minutes } Minuten hier ein.
wallet-code-rate-limited = Zu viele Code-Anfragen von dieser Nummer. Bitte versuchen Sie es in einer Stunde erneut.
wallet-code-wrong =
    Der Code stimmt nicht. { $attempts ->
        [one] Noch { $attempts } Versuch übrig.
       *[other] Verbleibende Versuche: { $attempts }.
    }
wallet-code-expired = Der Code ist abgelaufen. Schreiben Sie LINK für einen neuen.
wallet-code-spent = Dieser Code kann nicht mehr verwendet werden. Schreiben Sie LINK für einen neuen.
wallet-no-code-waiting = Gerade wird kein Code erwartet. Schreiben Sie LINK, um einen zu erhalten.
wallet-linked =
    Nummer verknüpft ✅ Willkommen, { $name }!{ $frozen ->
        [yes] {"\u000A"}Ihr Konto ist vorerst eingefroren: Sie können es ansehen, aber kein Geld bewegen. Bitte wenden Sie sich an den Support.
       *[no] {""}
    }
    Schreiben Sie BAL für Ihr Guthaben oder HELP für alles, was Sie tun können.
wallet-session-code-sent = Zu Ihrer Sicherheit: Geben Sie den 6-stelligen Code ein, den wir Ihnen gerade per SMS an Ihr hinterlegtes Telefon gesendet haben (gültig { $minutes } Minuten). Danach geht es weiter.
wallet-session-renewed = Danke, Ihre Identität ist bestätigt. Es kann weitergehen.
wallet-sms-link = Ihr Wallet-Code ist { $code }. Er verknüpft WhatsApp mit Ihrem Konto und läuft in { $minutes } Minuten ab. Geben Sie ihn niemals weiter.
wallet-sms-session = Ihr Wallet-Code ist { $code }. Er bestätigt eine Zahlung aus WhatsApp und läuft in { $minutes } Minuten ab. Geben Sie ihn niemals weiter.

## Balance and statement

wallet-balance = Ihr Guthaben: { $amount }
wallet-statement-empty = Noch keine Umsätze. Schreiben Sie TOPUP 50, um Geld von MoMo aufzuladen.
wallet-statement-header = Ihre letzten Umsätze ({ $count }), die neuesten zuerst:
wallet-statement-line =
    { $date } { $amount } { $what }{ $has_note ->
        [yes] {" "}· { $note }
       *[no] {""}
    } → { $balance }
wallet-kind-opening = Anfangsguthaben
wallet-kind-sent = gesendet
wallet-kind-received = erhalten
wallet-kind-topup = MoMo-Aufladung
wallet-kind-payout = an MoMo
wallet-kind-payout-return = MoMo-Auszahlung zurückgebucht

## Money movements

wallet-confirm-send =
    { $amount } an { $payee } senden?
    Gebühr: { $fee } · Gesamt: { $total }
    Antworten Sie YES (JA) zum Bestätigen oder NO (NEIN) zum Abbrechen (gültig { $minutes } Minuten).
wallet-confirm-payout =
    { $amount } an die MoMo-Nummer { $payee } senden?
    Gebühr: { $fee } · Gesamt: { $total }
    Antworten Sie YES (JA) zum Bestätigen oder NO (NEIN) zum Abbrechen (gültig { $minutes } Minuten).
wallet-confirm-topup =
    Ihr Wallet mit { $amount } von der MoMo-Nummer { $payee } aufladen?
    Antworten Sie YES (JA) zum Bestätigen oder NO (NEIN) zum Abbrechen (gültig { $minutes } Minuten).
wallet-replaced = Ihre vorherige Anfrage ({ $amount } an { $payee }) ist storniert; die neue ersetzt sie.
wallet-nothing-pending = Gerade wartet nichts auf Ihr YES. Senden Sie zuerst einen Befehl, z. B.: SEND 50 0244123456.
wallet-confirm-expired = Die Bestätigung ist abgelaufen, es wurde nichts gesendet. Bitte senden Sie den Befehl erneut.
wallet-cancelled = Abgebrochen. Es wurde nichts gesendet.
wallet-sent = Gesendet ✅ { $amount } an { $payee } (Gebühr { $fee }). Ihr Guthaben: { $balance }. Ref. { $reference }
wallet-topup-started = Bestätigen Sie die Zahlung über { $amount } auf Ihrem MoMo-Telefon ({ $number }), um Ihr Wallet aufzuladen. Wir melden uns, sobald das Geld da ist.
wallet-payout-started = Wir senden { $amount } an die MoMo-Nummer { $number }. Wir melden uns, sobald es erledigt ist.
wallet-momo-refused =
    { $topup ->
        [yes] MoMo hat die Aufladung abgelehnt: { $reason }.
       *[no] MoMo hat die Zahlung abgelehnt: { $reason }. Ihr Wallet wurde nicht belastet.
    }

## Refusals

wallet-refused-frozen = Ihr Konto ist eingefroren, daher kann kein Geld bewegt werden. Bitte wenden Sie sich an den Support.
wallet-refused-no-tier = Mit Ihrem Konto kann noch kein Geld bewegt werden (es sind keine Limits dafür festgelegt). Bitte wenden Sie sich an den Support.
wallet-refused-amount = Dieser Betrag geht nicht. Schreiben Sie ihn mit höchstens 2 Nachkommastellen, z. B.: SEND 50.25 0244123456.
wallet-refused-self = Sie können kein Geld an sich selbst senden.
wallet-refused-transfer-limit = Das liegt über Ihrem Limit von { $limit } pro Überweisung.
wallet-refused-daily-limit = Damit würden Sie Ihr Tageslimit von { $limit } überschreiten. Heute noch verfügbar: { $left }.
wallet-refused-funds = Nicht genug Guthaben: Sie brauchen { $total } (inkl. { $fee } Gebühr), Ihr Guthaben beträgt { $balance }.
wallet-refused-blocked = Wir haben diese Zahlung gestoppt, um Ihr Geld zu schützen. Unser Team prüft sie; wenn Sie es waren, wenden Sie sich bitte an den Support.

## Notices (also the wallet_update template's words)

wallet-received =
    Sie haben { $amount } von { $name } erhalten.{ $has_note ->
        [yes] {" "}Notiz: { $note }
       *[no] {""}
    }
wallet-topup-done = Ihre Aufladung über { $amount } ist angekommen ✅ Schreiben Sie BAL für Ihr Guthaben.
wallet-topup-failed = Ihre Aufladung über { $amount } hat nicht geklappt: { $reason }.
wallet-payout-done = Ihre Zahlung über { $amount } ist auf der MoMo-Nummer { $number } angekommen ✅
wallet-payout-failed = Das Senden von { $amount } an { $number } ist fehlgeschlagen: { $reason }. Das Geld ist wieder in Ihrem Wallet.
wallet-event-received = Geld erhalten
wallet-event-topup = Aufladung angekommen
wallet-event-topup-failed = Aufladung fehlgeschlagen
wallet-event-payout = MoMo-Zahlung gesendet
wallet-event-payout-failed = MoMo-Zahlung fehlgeschlagen, Geld zurückgebucht
# The reasons follow "die Aufladung abgelehnt: …", "die Zahlung abgelehnt: …", "ist fehlgeschlagen: …".
wallet-reason-rejected = die Anfrage wurde am Telefon abgelehnt
wallet-reason-expired = die Anfrage wurde nicht rechtzeitig bestätigt
wallet-reason-funds = nicht genug Guthaben auf dem MoMo-Konto
wallet-reason-not-found = diese Nummer hat kein MoMo-Konto
wallet-reason-other = MoMo konnte den Vorgang nicht abschließen

## What the bot did not understand

wallet-unknown =
    Entschuldigung, das habe ich nicht verstanden.{ $has_suggestion ->
        [yes] {" "}Meinten Sie { $suggestion }?
       *[no] {""}
    } Schreiben Sie HELP, um zu sehen, was Sie tun können.
wallet-amount-missing = Schreiben Sie den Betrag nach { $command }, z. B.: { $example }
wallet-amount-invalid = „{ $written }“ ist kein Betrag. Schreiben Sie Ziffern, z. B.: { $example }
wallet-amount-decimals = Ein Betrag hat höchstens 2 Nachkommastellen, z. B.: { $example }
wallet-amount-not-positive = Der Betrag muss größer als null sein, z. B.: { $example }
wallet-payee-missing = Schreiben Sie die Telefonnummer des Empfängers, z. B.: { $example }
wallet-payee-invalid = „{ $written }“ ist keine Telefonnummer. Schreiben Sie sie wie 0244123456 oder +233244123456, z. B.: { $example }

## Statement PDF
# STATEMENT PDF [<Monat>]: das Dokument, seine Bildunterschrift und sein Dateiname. $month ist 1-12.

wallet-pdf-title = Kontoauszug
wallet-pdf-month = { $month ->
        [1] Januar
        [2] Februar
        [3] März
        [4] April
        [5] Mai
        [6] Juni
        [7] Juli
        [8] August
        [9] September
        [10] Oktober
        [11] November
       *[12] Dezember
    } { $year }
wallet-pdf-holder = Kontoinhaber: { $name }
wallet-pdf-account = Konto: { $account }
wallet-pdf-currency = Währung: { $currency }
wallet-pdf-period = Zeitraum: { $from } – { $to }
wallet-pdf-col-date = Datum
wallet-pdf-col-description = Beschreibung
wallet-pdf-col-amount = Betrag
wallet-pdf-col-balance = Saldo
wallet-pdf-opening = Anfangssaldo
wallet-pdf-closing = Endsaldo
wallet-pdf-no-movements = Keine Umsätze in diesem Zeitraum.
wallet-pdf-truncated = Nur die letzten { $count } Umsätze des Zeitraums werden gezeigt.
wallet-pdf-generated = Erstellt am { $at } ({ $zone })
wallet-pdf-filename = kontoauszug-{ $period }.pdf
wallet-pdf-caption = Ihr Kontoauszug für { $period }: { $count ->
        [one] 1 Umsatz
       *[other] { $count } Umsätze
    }, Endsaldo { $closing }.
wallet-pdf-future = Für { $period } gibt es noch keinen Kontoauszug. Schreiben Sie STATEMENT PDF für den laufenden Monat.
wallet-pdf-unavailable = Ihr PDF-Kontoauszug kann gerade nicht erstellt werden. Bitte versuchen Sie es später noch einmal, oder schreiben Sie STATEMENT für Ihre letzten Umsätze hier.
wallet-pdf-period-invalid = „{ $written }“ ist kein Monat. Schreiben Sie z. B. STATEMENT PDF 2026-11.
## Susu (Spargemeinschaft) und Treuepunkte

wallet-kind-susu-contribution = Susu-Beitrag
wallet-kind-susu-payout = Susu-Auszahlung
wallet-kind-points-credit = Punkte eingelöst
wallet-confirm-susu =
    { $amount } in die Susu-Gruppe { $payee } einzahlen?
    Antworten Sie JA zum Bestätigen oder NEIN zum Abbrechen (gültig { $minutes } Minuten).
wallet-confirm-redeem =
    Ihre Punkte gegen { $amount } Guthaben einlösen?
    Antworten Sie JA zum Bestätigen oder NEIN zum Abbrechen (gültig { $minutes } Minuten).
susu-none = Sie sind noch in keiner Susu-Gruppe. Treten Sie mit SUSU JOIN <Code> bei.
susu-summary =
    Ihre Susu-Gruppen:
    { $lines }
susu-group-not-started = { $group } ({ $code }): { $amount } pro Zyklus, { $members } von { $seats } Mitgliedern, noch nicht begonnen.
susu-group-finished = { $group } ({ $code }): alle Zyklen sind abgeschlossen.
susu-group-cycle =
    { $group } ({ $code }): Zyklus { $cycle } von { $cycles }, je { $amount }, bis { $ends }.
    Bezahlt: { $paid } von { $members }. { $my_turn ->
        [yes] Sie erhalten diesmal die Kasse.
       *[no] Diesmal erhält { $turn } die Kasse.
    } { $paid_out ->
        [yes] Die Kasse wurde ausgezahlt.
       *[no] { $mine_paid ->
            [yes] Sie haben diesen Zyklus bezahlt.
           *[no] Sie haben noch nicht bezahlt: SUSU PAY.
        }
    }
susu-joined = Sie sind { $group } beigetreten (Platz { $seat } von { $seats }). Der Beitrag pro Zyklus ist { $amount }.
susu-already-member = Sie sind bereits Mitglied von { $group }.
susu-full = { $group } hat keinen freien Platz.
susu-no-such-group = Es gibt keine Susu-Gruppe mit dem Code { $code }.
susu-nothing-due = Nichts zu zahlen: Sie haben alle laufenden Zyklen Ihrer Gruppen bezahlt.
susu-not-started = { $group } hat noch nicht begonnen.
susu-waiting-members = { $group } wartet noch auf { $left } Mitglieder.
susu-already-paid = Sie haben diesen Zyklus von { $group } bereits bezahlt.
susu-cycle-over = Dieser Zyklus ist vorbei: nichts wurde bezahlt. Schreiben Sie SUSU für den aktuellen.
susu-paid = Bezahlt ✅ { $amount } in { $group }. { $paid } von { $members } Mitgliedern haben diesen Zyklus bezahlt.
susu-payout-notice = { $mine ->
        [yes] Die Kasse von { $group } über { $amount } gehört diesmal Ihnen ✅ Sie ist in Ihrer Wallet.
       *[no] Die Kasse von { $group } über { $amount } ging diesmal an { $name }.
    }
susu-event-payout = Susu-Kasse ausgezahlt
points-summary = Sie haben { $points } Punkte (Wert { $worth }). { $has_lines ->
        [yes] Zuletzt gesammelt:
            { $lines }
       *[no] Sammeln Sie Punkte mit jedem SEND und TOPUP.
    }
points-line = { $date }  +{ $points } für { $source }
points-source-send = eine Überweisung
points-source-topup = eine Aufladung
points-refused-over = Sie können nicht { $asked } Punkte einlösen: Sie haben { $points }.
points-redeemed = Eingelöst ✅ { $asked } Punkte für { $amount }. Ihr Kontostand: { $balance }. Verbleibende Punkte: { $points }.
